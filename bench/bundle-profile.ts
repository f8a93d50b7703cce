// Where a handler bundle's bytes come from (esbuild metafile) and, with --cpu, where its cold import spends
// its time: `npx tsx bench/bundle-profile.ts ws [--cpu]`. bench/bundle.bench.ts prints the byte profile
// of every handler that misses its goal.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import {
  bundleAliases,
  bundlingOptions,
  type HandlerName,
  handlerEntry,
} from '../infra/constructs/handler-function.js';

/** Bytes in the output by package (node_modules/<pkg>) and, for our own code, by src/<dir>. */
export function topContributors(metafile: Metafile, count = 12): { name: string; bytes: number }[] {
  const output = Object.values(metafile.outputs)[0];
  const sizes = new Map<string, number>();
  for (const [input, info] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    const name = pkg ?? input.split('/').slice(0, 2).join('/');
    sizes.set(name, (sizes.get(name) ?? 0) + info.bytesInOutput);
  }
  return [...sizes]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

export const formatContributors = (list: { name: string; bytes: number }[]) =>
  list.map((c) => `${c.name} ${(c.bytes / 1024).toFixed(0)} KB`).join(', ');

async function main() {
  const name = (process.argv[2] ?? 'ws') as HandlerName;
  const outDir = join(process.cwd(), 'cdk.out', 'bench-profile', name);
  mkdirSync(outDir, { recursive: true });
  const options = bundlingOptions(true);
  const file = join(outDir, 'index.mjs');
  const result = await build({
    entryPoints: [handlerEntry(name)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: options.target,
    format: 'esm',
    minify: !process.argv.includes('--cpu'),
    mainFields: [...options.mainFields],
    banner: { js: options.banner },
    external: [...options.externalModules],
    alias: bundleAliases(true),
    metafile: true,
    logLevel: 'warning',
  });
  console.log(`${name}: ${formatContributors(topContributors(result.metafile, 25))}`);
  if (!process.argv.includes('--cpu')) return;
  // Import only (no request): what evaluating the module costs, by function, self time.
  execFileSync(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${outDir}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(file)})`,
    ],
    { env: { ...process.env, LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1' }, stdio: 'inherit' },
  );
  const profileFile =
    readdirSync(outDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort()
      .at(-1) ?? '';
  const profile = JSON.parse(readFileSync(join(outDir, profileFile), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; lineNumber: number }; hitCount: number }[];
    samples: number[];
    timeDeltas: number[];
  };
  // The unminified bundle marks each module with a `// path` comment: a sample's line maps to its module.
  const starts: { line: number; module: string }[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const m = /^\/\/ (\S+\.(?:m?js|ts|cjs|json))$/.exec(text);
      if (m?.[1]) starts.push({ line, module: m[1].replace(/^.*node_modules\//, '') });
    });
  const moduleAt = (line: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(node internals)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = starts[mid] as { line: number; module: string };
      if (s.line <= line) {
        found = s.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byModule = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const key = `${node?.callFrame.functionName || '(anonymous)'}:${node?.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + ms);
    const url = (node?.callFrame as { url?: string } | undefined)?.url ?? '';
    const where = url.endsWith('index.mjs') ? moduleAt(node?.callFrame.lineNumber ?? 0) : key;
    byModule.set(where, (byModule.get(where) ?? 0) + ms);
  });
  console.log('self time by function:');
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${ms.toFixed(1).padStart(7)} ms  ${key}`);
  console.log('self time by bundled module (or node function):');
  for (const [key, ms] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${ms.toFixed(1).padStart(7)} ms  ${key}`);
}

if (process.argv[1]?.endsWith('bundle-profile.ts')) await main();
