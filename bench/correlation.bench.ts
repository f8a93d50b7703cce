import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * What the correlation ids (src/telemetry/correlation.ts, AsyncLocalStorage)
 * cost a promise-heavy loop: 300,000 bare awaits, plain and inside
 * `AsyncLocalStorage.run`, each in a fresh process (once a store has been
 * used, Node keeps tracking context), median of 5 runs, side by side.
 *   npm run bench -- correlation
 */
const AWAITS = 300_000;

async function loop() {
  for (let i = 0; i < AWAITS; i++) await Promise.resolve(i);
}

async function measure(mode: 'plain' | 'als'): Promise<number> {
  const als = new AsyncLocalStorage<{ id: string }>();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    await (mode === 'als' ? als.run({ id: 'x' }, loop) : loop());
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!;
}

export async function run(): Promise<void> {
  const child = (mode: string) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode], {
      encoding: 'utf8',
    });
    return Number(result.stdout.trim());
  };
  const plain = child('plain');
  const als = child('als');
  console.log(
    `${AWAITS} awaits, median of 5: plain ${plain.toFixed(1)} ms, in AsyncLocalStorage.run ${als.toFixed(1)} ms`,
  );
  console.log(
    `ratio ${(als / plain).toFixed(2)}x; extra per await ${(((als - plain) / AWAITS) * 1000).toFixed(3)} µs`,
  );
}

const mode = process.argv[2];
if (mode === 'plain' || mode === 'als') measure(mode).then((ms) => process.stdout.write(`${ms}\n`));
