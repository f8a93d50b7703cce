// Runs every bench/*.bench.ts in name order (or those named on the command line), one after another.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  // `load` names load.bench.ts alone (not loaders.bench.ts); a part of a name still picks every match.
  .filter(
    (f, _i, all) =>
      wanted.length === 0 ||
      wanted.some((w) => f === `${w}.bench.ts` || (!all.includes(`${w}.bench.ts`) && f.includes(w))),
  )
  .sort();

for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
  await mod.run();
}
process.exit(0);
