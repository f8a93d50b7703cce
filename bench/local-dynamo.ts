import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LocalDynamo, startLocalDynamo } from '../src/local/dynamo-server.js';

/**
 * dynalite for the bench: in a child process by default (BENCH_DYNALITE=inprocess runs it in the
 * bench's own process, the method of the first figures, where its CPU competes with the executor's).
 */
export async function startBenchDynamo(): Promise<LocalDynamo & { cpuSeconds?: () => number | undefined }> {
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
    /** CPU seconds the dynalite process has used so far (Linux /proc; undefined elsewhere). */
    cpuSeconds: () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return undefined;
      }
    },
    close: async () => {
      child.kill();
    },
  };
}
