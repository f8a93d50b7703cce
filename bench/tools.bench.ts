// The engine's own overhead per tool call: time around a call minus the tool's own time, median over
// many calls, on the local stack (dynalite in a child process, the real call store and event log).
import { performance } from 'node:perf_hooks';
import { createClients } from '../src/clients.js';
import { loadConfig } from '../src/config.js';
import { createTables } from '../src/db/create-tables.js';
import { createEgressGuard } from '../src/egress/guard.js';
import { createEventLog } from '../src/events/event-log.js';
import { newId } from '../src/ids.js';
import { tenantOf } from '../src/tenant.js';
import { answerToolCalls } from '../src/tools/answer-calls.js';
import { type BuiltinTool, createBuiltinRegistry } from '../src/tools/builtins.js';
import { createToolCallStore } from '../src/tools/call-store.js';
import type { ToolRunContext } from '../src/tools/context.js';
import { createMcpConnector } from '../src/tools/mcp-tool.js';
import { ToolSpecSchema } from '../src/tools/spec.js';
import { createToolbox, type ResolvedTool } from '../src/tools/toolbox.js';
import { startBenchDynamo } from './local-dynamo.js';

const CALLS = Number(process.env.TOOLS_BENCH_CALLS ?? 300);
const tenant = tenantOf('bench', 'tools');

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** A tool that does a fixed amount of work and reports how long it took itself. */
function timedTool(ownMs: number[]): BuiltinTool {
  return {
    name: 'work',
    description: 'Hashes a string a few thousand times.',
    parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    async run(args) {
      const started = performance.now();
      let h = 0;
      for (let i = 0; i < 20_000; i++) h = (h * 31 + i + Number(args.n)) | 0;
      ownMs.push(performance.now() - started);
      return { h };
    },
  };
}

export async function run() {
  const dynamo = await startBenchDynamo();
  try {
    const clients = createClients(
      loadConfig({
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        ACE_TABLE_PREFIX: 'bench-tools-',
        LOG_LEVEL: 'silent',
      }),
    );
    await createTables(clients.dynamo, clients.tables);
    const ownMs: number[] = [];
    const egress = createEgressGuard({});
    const toolbox = createToolbox({
      egress,
      builtins: createBuiltinRegistry([timedTool(ownMs)]),
      mcp: createMcpConnector({ egress, headersProfiles: () => undefined }),
      headersProfiles: () => undefined,
    });
    const [tool] = (await toolbox.resolve([
      ToolSpecSchema.parse({ type: 'builtin', name: 'work' }),
    ])) as ResolvedTool[];
    const calls = createToolCallStore(clients);
    const eventLog = createEventLog(clients);
    const sessionUuid = newId();
    const context = (runUuid: string): ToolRunContext => ({
      runUuid,
      tenant,
      sessionUuid,
      toolbox,
      calls,
      record: (events) => eventLog.append(tenant, sessionUuid, events),
    });

    // Side by side, call after call: the tool alone, and the same call through the engine
    // (argument validation, the call record before and the result after, tool_call/tool_result events).
    const direct: number[] = [];
    const engine: number[] = [];
    const overhead: number[] = [];
    for (let i = 0; i < CALLS + 20; i++) {
      const args = { n: i };
      let started = performance.now();
      await tool!.invoke(args, { tenant, runUuid: 'direct', callId: String(i) });
      const alone = performance.now() - started;
      const ownBefore = ownMs.length;
      started = performance.now();
      await answerToolCalls(
        context(newId()),
        [tool!],
        [{ id: `call_${i}`, name: 'work', arguments: args }],
        undefined,
      );
      const around = performance.now() - started;
      const own = ownMs[ownBefore] ?? 0;
      if (i < 20) continue; // warm-up (JIT, connections), not measured
      direct.push(alone);
      engine.push(around);
      overhead.push(around - own);
    }
    const med = (v: number[]) => percentile(v, 50);
    console.log(
      `calls: ${CALLS} (after 20 warm-up), one builtin tool, dynalite ${process.env.BENCH_DYNALITE ?? 'child process'}`,
    );
    console.log(`tool alone:            median ${med(direct).toFixed(3)} ms`);
    console.log(
      `through the engine:    median ${med(engine).toFixed(3)} ms, p90 ${percentile(engine, 90).toFixed(3)} ms`,
    );
    console.log(
      `engine overhead/call:  median ${med(overhead).toFixed(3)} ms, p90 ${percentile(overhead, 90).toFixed(3)} ms ` +
        `(around the call minus the tool's own time)`,
    );
    console.log(`ratio engine/alone:    ${(med(engine) / med(direct)).toFixed(1)}x`);
    console.log('per call: 1 conditional put (call record), 1 conditional update (result), 2 event appends');
  } finally {
    await dynamo.close();
  }
}
