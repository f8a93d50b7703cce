import { Command, CommanderError, Option } from 'commander';
import { listActions, runAction } from './actions.js';
import { AceClient } from './client.js';
import { approve, ask, events, exportSession, type Io, run } from './commands.js';
import { type ConnectionFlags, fetchDevToken, resolveConnection, withToken } from './connection.js';
import { CliError, ExitCode } from './exit-codes.js';
import { watchSession } from './watch.js';

/**
 * `ace`: the engine from the command line (docs/CLI.md). Every command has
 * --help; the exit code says how it went (src/cli/exit-codes.ts).
 */
export async function main(
  argv: readonly string[],
  io: Io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = new Command('ace')
    .description('AI Coordination Engine: run tasks, follow sessions, answer agents, export for replay.')
    .addOption(new Option('--url <url>', 'engine URL (or its /graphql endpoint)').env('ACE_URL'))
    .addOption(new Option('--ws-url <url>', 'WebSocket URL where it is not the same host').env('ACE_WS_URL'))
    .addOption(
      new Option('--token <jwt>', 'bearer token (the local stack’s dev token when omitted)').env('ACE_TOKEN'),
    )
    .addOption(
      new Option('--profile <name>', 'profile in ~/.config/ace/config.json (or ACE_CONFIG)').env(
        'ACE_PROFILE',
      ),
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  const client = async () => {
    const flags = program.opts<ConnectionFlags>();
    return new AceClient(await withToken(await resolveConnection(flags)));
  };
  const action =
    <A extends unknown[]>(fn: (c: AceClient, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const c = await client();
      try {
        code = await fn(c, ...args);
      } finally {
        await c.close();
      }
    };

  program
    .command('ask')
    .description('ask a coordination; the answer streams as it is written')
    .argument('<coordination>', 'coordination uuid')
    .argument('<query>', 'the question')
    .option('--agent <uuid>', 'skip triage: ask this agent')
    .option('--session <uuid>', 'continue this session')
    .option('--thread <uuid>', 'continue this thread')
    .option('--json', 'print the final result as JSON')
    .action(action((c, coordination: string, query: string, o) => ask(c, io, coordination, query, o)));

  program
    .command('run')
    .description('start a task; with --watch, follow every agent until the session ends')
    .argument('<coordination>', 'coordination uuid')
    .argument('<task>', 'task uuid')
    .option('--query <text>', 'task query (JSON fills {placeholders} of the subtask queries)')
    .option('--idempotency-key <key>', 'a repeated key returns the first session')
    .option('--watch', 'follow the session live; exit code from its final status')
    .option('--json', 'JSON output (with --watch: one event per line)')
    .action(action((c, coordination: string, task: string, o) => run(c, io, coordination, task, o)));

  program
    .command('watch')
    .description('follow a session live until it ends (exit 0 completed, 1 failed, 7 otherwise)')
    .argument('<session>', 'session uuid')
    .option('--json', 'one event per line as JSON')
    .option('--after <seq>', 'start after this event', Number)
    .action(
      action((c, session: string, o) =>
        watchSession(c, session, io.out, { json: Boolean(o.json), after: o.after }),
      ),
    );

  program
    .command('approve')
    .description('answer an agent waiting for user input (user in the loop)')
    .argument('<session>', 'session uuid')
    .argument('<agent>', 'session agent uuid, agent uuid or agent name')
    .option('--input <text>', 'the answer', 'Approved.')
    .action(action((c, session: string, agent: string, o) => approve(c, io, session, agent, o.input)));

  program
    .command('events')
    .description("print a session's event log; --follow keeps streaming")
    .argument('<session>', 'session uuid')
    .option('--follow', 'stream new events until the session ends')
    .option('--json', 'one JSON object per line')
    .option('--after <seq>', 'only events after this seq', Number)
    .action(action((c, session: string, o) => events(c, io, session, o)));

  program
    .command('export')
    .description(
      'the whole session (records and event log) as JSON, for replay: ace export <s> > replay.json',
    )
    .argument('<session>', 'session uuid')
    .option('--coordination <uuid>', 'its coordination (found from the session when omitted)')
    .action(action((c, session: string, o) => exportSession(c, io, session, o)));

  program
    .command('actions')
    .description('the steering mutations this server offers for a session (found in its schema)')
    .option('--json', 'as JSON')
    .action(action((c, o) => listActions(c, io, Boolean(o.json))));

  const steer = (verb: string, description: string) =>
    program
      .command(verb)
      .description(`${description} (as the server's API has it; see \`ace actions\`)`)
      .argument('<session>', 'session uuid')
      .option('--arg <name=value...>', 'more arguments of the mutation')
      .option('--json', 'print the payload as JSON')
      .action(
        action((c, session: string, o) => runAction(c, io, verb, session, parseArgs(o.arg), Boolean(o.json))),
      );
  steer('cancel', 'cancel a session');
  steer('pause', 'pause a session');
  steer('resume', 'resume a session: un-pause it and re-dispatch what is ready');
  steer('redrive', 'run a failed or cancelled session again, keeping completed outputs');
  program
    .command('action')
    .description('run any session mutation of the schema by name')
    .argument('<mutation>', 'mutation name, e.g. resumeProcedureTaskSession')
    .argument('<session>', 'session uuid')
    .option('--arg <name=value...>', 'more arguments of the mutation')
    .option('--json', 'print the payload as JSON')
    .action(
      action((c, name: string, session: string, o) =>
        runAction(c, io, name, session, parseArgs(o.arg), Boolean(o.json)),
      ),
    );

  program
    .command('token')
    .description("print the local stack's dev token (for ACE_TOKEN or a profile)")
    .action(async () => {
      const connection = await resolveConnection(program.opts<ConnectionFlags>());
      io.out.write(`${await fetchDevToken(connection)}\n`);
    });

  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)
        ? ExitCode.Ok
        : ExitCode.Usage;
    }
    io.err.write(`ace: ${(error as Error).message}\n`);
    return error instanceof CliError ? error.exitCode : ExitCode.Failed;
  }
}

function parseArgs(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--arg wants name=value, got "${pair}"`, ExitCode.Usage);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
