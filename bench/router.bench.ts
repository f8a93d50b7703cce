// Lexical router accuracy on the labeled triage set, and its latency per query.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { demoCoordinations } from '../src/hubs/operation/demo-coordinations.js';
import { createLexicalRouter } from '../src/hubs/operation/router.js';

export interface LabeledQuery {
  readonly coordination: string;
  readonly query: string;
  readonly expected: string | null;
}

export function loadLabeledQueries(): LabeledQuery[] {
  const url = new URL('../test/fixtures/triage/labeled-queries.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { queries: LabeledQuery[] }).queries;
}

/** Routes every labeled query; a null label is right when the router finds no match. */
export function evaluateRouter(queries: readonly LabeledQuery[]) {
  const routers = new Map(
    demoCoordinations.map((c) => [c.key, { c, router: createLexicalRouter(c.agents) }]),
  );
  const misses: { query: string; expected: string | null; got: string | null }[] = [];
  const micros: number[] = [];
  for (const labeled of queries) {
    const entry = routers.get(labeled.coordination);
    if (!entry) throw new Error(`unknown demo coordination ${labeled.coordination}`);
    const started = performance.now();
    const match = entry.router.route(labeled.query);
    micros.push((performance.now() - started) * 1000);
    const got = match
      ? (entry.c.agents.find((a) => a.agent_uuid === match.agentUuid)?.agent_name ?? null)
      : null;
    if (got !== labeled.expected) misses.push({ query: labeled.query, expected: labeled.expected, got });
  }
  return { total: queries.length, correct: queries.length - misses.length, misses, micros };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export async function run() {
  const queries = loadLabeledQueries();
  evaluateRouter(queries); // warm-up (JIT), not measured
  const rounds = 20;
  const micros: number[] = [];
  let result = evaluateRouter(queries);
  for (let i = 0; i < rounds; i++) {
    result = evaluateRouter(queries);
    micros.push(...result.micros);
  }
  const accuracy = (100 * result.correct) / result.total;
  console.log(
    `labeled queries: ${result.total} over ${new Set(queries.map((q) => q.coordination)).size} coordinations`,
  );
  console.log(`accuracy: ${result.correct}/${result.total} = ${accuracy.toFixed(1)} % (goal >= 90 %)`);
  console.log(
    `route() latency over ${micros.length} calls: p50 ${percentile(micros, 50).toFixed(1)} us, p99 ${percentile(micros, 99).toFixed(1)} us`,
  );
  // The hub builds the index per ask (agents can change between asks): measure build + route too.
  const withBuild: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const labeled of queries) {
      const agents = demoCoordinations.find((c) => c.key === labeled.coordination)?.agents ?? [];
      const started = performance.now();
      createLexicalRouter(agents).route(labeled.query);
      withBuild.push((performance.now() - started) * 1000);
    }
  }
  console.log(
    `index build + route() over ${withBuild.length} calls: p50 ${percentile(withBuild, 50).toFixed(1)} us, p99 ${percentile(withBuild, 99).toFixed(1)} us`,
  );
  for (const miss of result.misses)
    console.log(`  miss: "${miss.query}" expected ${miss.expected} got ${miss.got}`);
}
