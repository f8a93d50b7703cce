import { parseArgs } from 'node:util';
import { createClients } from '../clients.js';
import { loadConfig } from '../config.js';
import { type BackfillProgress, backfillTenants } from './backfill-tenants.js';

/**
 * `npm run migrate -- <name> [--dry-run] [--restart] [--page-size N]`,
 * against the tables the environment names (ACE_TABLE_PREFIX, DYNAMODB_ENDPOINT, AWS_REGION).
 */
const USAGE = `usage: npm run migrate -- backfill-tenants [--dry-run] [--restart] [--page-size N]

  backfill-tenants  give SessionAgent and SessionRun rows the Python engine wrote
                    without partition_key the one of their session (and SessionAgents
                    the executor's edges); idempotent, resumes from its checkpoint
  --dry-run         count what would change, write nothing
  --restart         ignore a saved checkpoint and scan from the start
  --page-size N     items per Scan page (default 500)`;

const line = (p: BackfillProgress, dryRun: boolean) =>
  `${p.table}: scanned ${p.scanned}, lacking ${p.matched}, ${dryRun ? 'would update' : 'updated'} ${p.updated}, ` +
  `orphans ${p.orphans}, changed meanwhile ${p.raced}${p.done ? ' (done)' : ''}`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      restart: { type: 'boolean', default: false },
      'page-size': { type: 'string', default: '500' },
      help: { type: 'boolean', default: false },
    },
  });
  const pageSize = Number(values['page-size']);
  if (values.help || positionals[0] !== 'backfill-tenants' || !Number.isInteger(pageSize) || pageSize < 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const clients = createClients(config);
  const dryRun = values['dry-run'];
  console.log(`backfill-tenants on tables "${config.ACE_TABLE_PREFIX}*"${dryRun ? ' (dry run)' : ''}`);
  const results = await backfillTenants({
    doc: clients.doc,
    tables: clients.tables,
    dryRun,
    restart: values.restart,
    pageSize,
    onProgress: (p) => console.log(line(p, dryRun)),
  });
  const orphans = results.reduce((n, r) => n + r.orphans, 0);
  if (orphans > 0) console.log(`${orphans} row(s) have no session with a tenant: left as they are`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
