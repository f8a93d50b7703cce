import { parseArgs } from 'node:util';
import { printBanner } from './banner.js';
import { startLocalStack } from './stack.js';

/**
 * `npm start`: the whole engine on this machine, no AWS account.
 *   --port <n>      HTTP + WebSocket port (default 4000; 0 picks a free one)
 *   --data <dir>    keep DynamoDB data on disk in <dir> (default: in memory)
 *   --no-seed       skip the demo coordination and task
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    'no-seed': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
  },
});

const started = Date.now();
const stack = await startLocalStack({
  port: Number(values.port),
  host: values.host,
  ...(values.data && { dataDir: values.data }),
  seed: !values['no-seed'],
  logLevel: values['log-level'],
});
await printBanner(stack, Date.now() - started);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping...\n');
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
