import { beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { createProcedureHub, type ProcedureHub } from '../../src/hubs/procedure/hub.js';
import { newId } from '../../src/ids.js';
import { createRecordingQueue, type RecordingQueue } from '../../src/queue/port.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { createScheduleFiring } from '../../src/schedules/firing.js';
import { fireScheduleMessage } from '../../src/schedules/messages.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';

/** Firing through the real procedure hub: the session it starts records its schedule, once per occurrence. */
describe('firing a schedule through the procedure hub', () => {
  let env: TestEnv;
  let hub: ProcedureHub;
  let queue: RecordingQueue;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = createRecordingQueue();
    const { doc, tables, logger } = env.clients;
    hub = createProcedureHub({
      doc,
      tables,
      eventLog: createEventLog({ doc, tables }),
      queue,
      runtimes: createRuntimeResolver(),
      logger,
    });
  });

  it('starts one session per occurrence, recording schedule_uuid, under concurrent duplicate deliveries', async () => {
    // Prepare: a coordination with one agent, a one-step task, a schedule with a task query.
    const agentUuid = newId();
    const coordination = await env.repos.coordinations.insert(tenantA, {
      coordination_uuid: newId(),
      coordination_name: 'Nightly',
      agents: [{ agent_uuid: agentUuid, agent_name: 'Reporter', agent_type: 'task' }],
      updated_by: 'tester',
    });
    const task = await env.repos.tasks.insert(tenantA, {
      coordination_uuid: coordination.coordination_uuid,
      task_uuid: newId(),
      task_name: 'Report',
      subtask_queries: [{ agent_uuid: agentUuid, subtask_query: 'Summarize {topic}' }],
      agent_actions: { [agentUuid]: { predecessors: [], primary_path: true } },
      updated_by: 'tester',
    });
    const schedule = await env.repos.taskSchedules.insert(tenantA, {
      task_uuid: task.task_uuid,
      schedule_uuid: newId(),
      coordination_uuid: coordination.coordination_uuid,
      schedule: 'cron(0 6 * * ? *)',
      status: 'active',
      task_query: '{"topic": "sales"}',
      user_id: 'ops',
      updated_by: 'tester',
    });
    const target = {
      endpointId: tenantA.endpointId,
      partId: tenantA.partId,
      taskUuid: task.task_uuid,
      scheduleUuid: schedule.schedule_uuid,
    };
    // Each delivery gets its own consumer, as separate Lambda invocations would.
    const consumer = () =>
      createScheduleFiring({
        doc: env.clients.doc,
        tables: env.clients.tables,
        repos: env.repos,
        startSession: hub.executeProcedureTaskSession,
      });
    const monday = fireScheduleMessage(target, new Date('2026-03-02T06:00:00Z'));
    const tuesday = fireScheduleMessage(target, new Date('2026-03-03T06:00:00Z'));

    // Act: each occurrence delivered four times at once.
    const outcomes = await Promise.all(
      [monday, monday, monday, monday, tuesday, tuesday, tuesday, tuesday].map((m) => consumer()(m)),
    );

    // Assess
    expect(outcomes.filter((o) => o.status === 'started')).toHaveLength(2);
    const sessions = await env.repos.sessions.list(tenantA, {
      coordinationUuid: coordination.coordination_uuid,
    });
    expect(sessions).toHaveLength(2);
    for (const session of sessions) {
      expect(session).toMatchObject({
        schedule_uuid: schedule.schedule_uuid,
        task_uuid: task.task_uuid,
        task_query: '{"topic": "sales"}',
        user_id: 'ops',
        status: 'dispatched',
      });
    }
    expect(queue.take().filter((m) => m.type === 'start_session')).toHaveLength(2);
  });

  it('spends an occurrence the hub refuses for good (no such task), without retrying it', async () => {
    const schedule = await env.repos.taskSchedules.insert(tenantA, {
      task_uuid: newId(),
      schedule_uuid: newId(),
      coordination_uuid: newId(),
      schedule: 'rate(1 hour)',
      status: 'active',
      updated_by: 'tester',
    });
    const fire = createScheduleFiring({
      doc: env.clients.doc,
      tables: env.clients.tables,
      repos: env.repos,
      startSession: hub.executeProcedureTaskSession,
    });
    const message = fireScheduleMessage(
      {
        endpointId: tenantA.endpointId,
        partId: tenantA.partId,
        taskUuid: schedule.task_uuid,
        scheduleUuid: schedule.schedule_uuid,
      },
      new Date('2026-03-05T10:00:00Z'),
    );
    expect(await fire(message)).toEqual({ status: 'rejected', reason: 'Task not found' });
    expect(await fire(message)).toEqual({ status: 'duplicate' });
  });
});
