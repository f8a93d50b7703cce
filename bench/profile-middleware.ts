import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Per command+table: request count, failures (e.g. lost conditional writes) and latency (bench diagnostics). */
export function profileRequests(client: DynamoDBClient) {
  // Per session agent: when its claim was sent, when its result write (finishRun) was acknowledged.
  const claimSent = new Map<string, number>();
  const finished = new Map<string, number>();
  const stats = new Map<string, { n: number; failed: number; totalMs: number; maxMs: number }>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const table = String((args.input as { TableName?: string }).TableName ?? '-').replace(
        /^bench-\w+-/,
        '',
      );
      const key = `${context.commandName ?? '?'} ${table}`;
      const s = stats.get(key) ?? { n: 0, failed: 0, totalMs: 0, maxMs: 0 };
      stats.set(key, s);
      const t0 = performance.now();
      const input = args.input as {
        Key?: { session_agent_uuid?: string };
        ExpressionAttributeValues?: Record<string, unknown>;
      };
      const agent = input.Key?.session_agent_uuid;
      const values = input.ExpressionAttributeValues ?? {};
      const isClaim = agent && ':lease' in values && ':initial' in values;
      const isFinish = agent && ':to' in values && ':token' in values;
      if (isClaim) claimSent.set(agent, t0);
      try {
        const out = await next(args);
        if (isFinish) finished.set(agent, performance.now());
        return out;
      } catch (error) {
        s.failed++;
        throw error;
      } finally {
        const ms = performance.now() - t0;
        s.n++;
        s.totalMs += ms;
        s.maxMs = Math.max(s.maxMs, ms);
      }
    },
    { step: 'initialize', name: 'profileRequests' },
  );
  return {
    /** Mean ms from the last predecessor's acknowledged result write to the successor's claim, and from claim to result. */
    hops(predecessors: Map<string, readonly string[]>, agentMs: number) {
      const gaps: number[] = [];
      const runs: number[] = [];
      for (const [uuid, preds] of predecessors) {
        const claim = claimSent.get(uuid);
        const done = finished.get(uuid);
        if (claim !== undefined && done !== undefined) runs.push(done - claim - agentMs);
        if (!preds.length || claim === undefined) continue;
        gaps.push(claim - Math.max(...preds.map((p) => finished.get(p) ?? 0)));
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      console.log(
        `  predecessor result written -> successor claim sent: mean ${mean(gaps).toFixed(1)} ms (n=${gaps.length}); ` +
          `claim sent -> result written, minus the ${agentMs} ms agent: mean ${mean(runs).toFixed(1)} ms`,
      );
    },
    print() {
      for (const [key, s] of [...stats].sort((a, b) => b[1].totalMs - a[1].totalMs)) {
        console.log(
          `  ${key.padEnd(40)} n=${String(s.n).padStart(5)} failed=${String(s.failed).padStart(4)} ` +
            `mean=${(s.totalMs / s.n).toFixed(1)}ms max=${s.maxMs.toFixed(0)}ms`,
        );
      }
    },
  };
}
