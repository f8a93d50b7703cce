import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LocalDynamo, startLocalDynamo } from '../src/local/dynamo-server.js';

/**
 * dynalite for the bench: in a child process by default (BENCH_DYNALITE=inprocess runs it in the
 * bench's own process, the method of the first figures, where its CPU competes with the executor's).
 */
export async function startBenchDynamo(): Promise<LocalDynamo> {
  if (process.env.BENCH_DYNALITE === 'inprocess') return startLocalDynamo();
  const script = fileURLToPath(new URL('./dynalite-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`dynalite child exited (${code})`)));
  });
  return {
    endpoint,
    backend: 'dynalite',
    close: async () => {
      child.kill();
    },
  };
}
