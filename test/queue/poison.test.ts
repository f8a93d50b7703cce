import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDlqHandler } from '../../src/queue/work-queue-handler.js';
import {
  agentsByName,
  createSqsBed,
  logger,
  seedTask,
  sqsEventOf,
  waitFor,
  waitForStatus,
} from '../procedure/support.js';
import { tenantA } from '../support/env.js';

describe('poison messages (local SQS with a redrive policy)', () => {
  let bed: Awaited<ReturnType<typeof createSqsBed>>;
  beforeAll(async () => {
    bed = await createSqsBed({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
  });
  afterAll(async () => {
    await bed.stop();
  });

  const receiveDeadLetters = () =>
    waitFor(
      () =>
        bed.env.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: bed.urls.dlqUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        ),
      (r) => (r.Messages?.length ?? 0) > 0,
      30_000,
    );

  it('a message failing on every delivery goes to the DLQ after maxReceiveCount and fails its session with the reason', async () => {
    // Prepare: a session waiting for input, and a SessionAgent row that no longer validates.
    const task = await seedTask(bed.env, [{ name: 'asks', userInTheLoop: true }]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await waitFor(
      () => agentsByName(bed.env, session.session_uuid),
      (m) => m.get('asks')?.state === 'wait_for_user_input',
    );
    await bed.env.clients.doc.send(
      new PutCommand({
        TableName: bed.env.clients.tables.sessionAgents,
        Item: {
          session_uuid: session.session_uuid,
          session_agent_uuid: '11111111111111111111',
          partition_key: tenantA.partitionKey,
          state: 'not-a-state',
        },
      }),
    );
    // Act
    await bed.queue.send([
      {
        type: 'execute_agent',
        v: 1,
        endpoint_id: tenantA.endpointId,
        part_id: tenantA.partId,
        coordination_uuid: task.coordinationUuid,
        session_uuid: session.session_uuid,
        session_agent_uuid: '11111111111111111111',
      },
    ]);
    // Assess: failed with the reason on the last receive, and the message is in the DLQ
    const failed = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, ['failed']);
    expect(failed.logs).toContain('execute_agent failed for good');
    const dead = await receiveDeadLetters();
    expect(JSON.parse(dead.Messages?.[0]?.Body ?? '{}').session_agent_uuid).toBe('11111111111111111111');
    // the DLQ consumer is idempotent: the failure reason is not overwritten
    const dlq = createDlqHandler({ procedure: bed.hub, logger });
    const response = await dlq(sqsEventOf([JSON.parse(dead.Messages?.[0]?.Body ?? '{}')], 2));
    expect(response.batchItemFailures).toEqual([]);
    const after = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(after.logs).toBe(failed.logs);
  });

  it('an unreadable envelope is retried, then dead-lettered (never a hot loop)', async () => {
    await bed.queue.send([
      { type: 'execute_agent', v: 1, endpoint_id: 'e', part_id: 'p', session_uuid: 'bad id!' },
    ]);
    const dead = await receiveDeadLetters();
    expect(JSON.parse(dead.Messages?.[0]?.Body ?? '{}').session_uuid).toBe('bad id!');
  });

  it('the DLQ consumer fails the session of a dead-lettered message', async () => {
    const task = await seedTask(bed.env, [{ name: 'asks', userInTheLoop: true }]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, ['in_progress']);
    const dlq = createDlqHandler({ procedure: bed.hub, logger });
    await dlq(
      sqsEventOf(
        [
          {
            type: 'resume_session',
            v: 1,
            endpoint_id: tenantA.endpointId,
            part_id: tenantA.partId,
            session_uuid: session.session_uuid,
          },
        ],
        5,
      ),
    );
    const failed = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(failed.status).toBe('failed');
    expect(failed.logs).toContain('dead-lettered after 5 receives');
  });
});
