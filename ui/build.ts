import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds the session page into static files: index.html, app.js (preact,
 * dagre and graphql-ws bundled, minified) and app.css. `npm ci` runs it
 * (the `prepare` script); the local stack runs it when the files are
 * missing; the CDK stack runs it into the HTTP function's bundle. Nothing
 * the page loads comes from anywhere but the server that serves it.
 *   npx tsx ui/build.ts [--out <dir>]     (default dist/ui)
 */
const uiDir = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_UI_OUT = join(uiDir, '..', 'dist', 'ui');

export async function buildUi(outDir: string = DEFAULT_UI_OUT): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(uiDir, 'src', 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await writeFile(join(outDir, 'app.css'), await readFile(join(uiDir, 'styles.css')));
  await writeFile(join(outDir, 'index.html'), await readFile(join(uiDir, 'index.html')));
  return ['index.html', 'app.js', 'app.css'];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : undefined;
  buildUi(out).then(
    (files) => process.stdout.write(`session page built: ${files.join(', ')} in ${out ?? DEFAULT_UI_OUT}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
