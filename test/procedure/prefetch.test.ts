import { beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { createProcedureHub } from '../../src/hubs/procedure/hub.js';
import { createRecordingQueue } from '../../src/queue/port.js';
import { createSqsHandler } from '../../src/queue/work-queue-handler.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import type { BuiltinTool } from '../../src/tools/builtins.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { createToolBed } from '../tools/support.js';
import { agentsByName, drain, logger, seedTask } from './support.js';

let env: TestEnv;
/** start_session is delivered twice: the delivery that stores the session's prefetch first records its
 * outcome, the fill's `miss` or the waiter's `hit`; the call counts prove there was one fetch. */
const FRESH = expect.stringMatching(/^(miss|hit)$/);
let clockMs = Date.now();
const fetched: unknown[] = [];

/** Builtins standing in for data tools: one that answers (and counts), one that fails, one that never ends. */
const builtins: BuiltinTool[] = [
  {
    name: 'lmis_query',
    description: 'labour market rows',
    parameters: { type: 'object' },
    async run(args) {
      fetched.push(args);
      return { rows: [{ sector: String(args.sector), jobs: 1200 }] };
    },
  },
  {
    name: 'broken_source',
    description: 'always fails',
    parameters: { type: 'object' },
    async run() {
      throw new Error('upstream answered 503');
    },
  },
  {
    name: 'slow_source',
    description: 'answers only when aborted',
    parameters: { type: 'object' },
    run: (_args, context) =>
      new Promise((_, reject) =>
        context.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      ),
  },
];

function bed() {
  const queue = createRecordingQueue();
  const eventLog = createEventLog({ doc: env.clients.doc, tables: env.clients.tables });
  const hub = createProcedureHub({
    // The hub's tables (the cache's TTL included) read this clock: the TTL test moves it on.
    clock: { now: () => clockMs },
    doc: env.clients.doc,
    tables: env.clients.tables,
    eventLog,
    queue,
    runtimes: { forAgent: () => createScriptedRuntime() },
    toolbox: createToolBed(env, { builtins }).toolbox,
    logger,
    retryBaseMs: 5,
  });
  return { hub, queue, eventLog, handler: createSqsHandler({ procedure: hub, logger }) };
}

const agents = [
  { name: 'labour', script: { answer: '{input}' } },
  { name: 'writer', preds: ['labour'], script: { answer: '{input}' } },
];

async function runSession(
  b: ReturnType<typeof bed>,
  task: Awaited<ReturnType<typeof seedTask>>,
  prefetch: Record<string, unknown>[],
  policy: Record<string, unknown> = {},
) {
  await env.repos.tasks.update(tenantA, task.coordinationUuid, task.taskUuid, {
    prefetch: prefetch as never,
    execution_policy: policy,
    updated_by: 'test',
  });
  const session = await b.hub.executeProcedureTaskSession(tenantA, {
    coordinationUuid: task.coordinationUuid,
    taskUuid: task.taskUuid,
  });
  await drain(b, { duplicate: true });
  const done = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
  const events = await b.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
  return {
    session: done,
    prefetchEvents: events.filter((e) => e.type === 'prefetch').map((e) => e.data),
    rows: await agentsByName(env, session.session_uuid),
  };
}

beforeAll(async () => {
  env = await createTestEnv();
});

describe('prefetch', () => {
  it('two specs with one key make one call; every agent gets the data; a second session is a cache hit', async () => {
    const b = bed();
    const task = await seedTask(env, agents);
    const spec = { fn: 'lmis_query', params: { sector: 'construction' }, cache_key: 'lmis:construction' };
    fetched.length = 0;
    const first = await runSession(b, task, [spec, { ...spec }]);
    expect(first.session.status).toBe('completed');
    expect(fetched).toEqual([{ sector: 'construction' }]);
    // start_session is delivered twice: one delivery fetches (miss), the other waits on the fill lease
    // and reads its entry (hit); whichever stores the session's prefetch first records its one event.
    expect(first.prefetchEvents).toEqual([
      { cache_key: 'lmis:construction', fn: 'lmis_query', status: FRESH },
    ]);
    const line = 'prefetched_data(lmis:construction): {"rows":[{"sector":"construction","jobs":1200}]}';
    expect(first.rows.get('labour')?.agent_input).toContain(line);
    expect(first.rows.get('writer')?.agent_input).toContain(line);
    expect(first.session.warnings ?? []).toEqual([]);

    const second = await runSession(b, task, [spec]);
    expect(fetched).toHaveLength(1);
    expect(second.prefetchEvents).toEqual([
      { cache_key: 'lmis:construction', fn: 'lmis_query', status: 'hit' },
    ]);
    expect(second.rows.get('labour')?.agent_input).toContain(line);
  });

  it('fetches again once the cached entry passed its TTL', async () => {
    const b = bed();
    const task = await seedTask(env, agents);
    const spec = {
      fn: 'lmis_query',
      params: { sector: 'retail' },
      cache_key: 'lmis:retail',
      ttl_seconds: 60,
    };
    fetched.length = 0;
    await runSession(b, task, [spec]);
    clockMs += 61_000;
    const later = await runSession(b, task, [spec]);
    expect(fetched).toHaveLength(2);
    // fetched twice in all (above) proves the expired entry was fetched again; which of the duplicate
    // start deliveries stores its outcome (the fill's miss or the waiter's hit) is a race.
    expect(later.prefetchEvents.map((e) => e.status)).toEqual([FRESH]);
  });

  it('a failing fetch is a session warning; the agents run without its data and the session completes', async () => {
    const b = bed();
    const task = await seedTask(env, agents);
    const run = await runSession(b, task, [
      { fn: 'broken_source', cache_key: 'broken' },
      { fn: 'lmis_query', params: { sector: 'energy' }, cache_key: 'lmis:energy' },
      { fn: 'no_such_tool', cache_key: 'missing' },
    ]);
    expect(run.session.status).toBe('completed');
    expect(run.session.warnings).toEqual([
      'prefetch broken (broken_source) failed: tool failed: upstream answered 503',
      expect.stringMatching(/^prefetch missing \(no_such_tool\) failed: .*no_such_tool/),
    ]);
    expect(run.prefetchEvents.map((e) => [e.cache_key, e.status])).toEqual([
      ['broken', 'failed'],
      ['lmis:energy', FRESH],
      ['missing', 'failed'],
    ]);
    expect(run.rows.get('labour')?.agent_input).toContain('prefetched_data(lmis:energy)');
    expect(run.rows.get('labour')?.agent_input).not.toContain('prefetched_data(broken)');
  });

  it('a fetch still running at the timeout is cut: a warning, and the session goes on', async () => {
    const b = bed();
    const task = await seedTask(env, agents);
    const run = await runSession(
      b,
      task,
      [
        { fn: 'slow_source', cache_key: 'slow' },
        { fn: 'lmis_query', params: { sector: 'tourism' }, cache_key: 'lmis:tourism' },
      ],
      { prefetch_timeout_ms: 1500 },
    );
    expect(run.session.status).toBe('completed');
    expect(run.session.warnings).toEqual(['prefetch slow (slow_source) timeout: not done after 1500 ms']);
    expect(run.prefetchEvents.map((e) => [e.cache_key, e.status])).toEqual([
      ['slow', 'timeout'],
      ['lmis:tourism', FRESH],
    ]);
    expect(await env.repos.cache.get(tenantA, 'slow', { count: false })).toBeUndefined();
  });
});
