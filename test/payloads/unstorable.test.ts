import { describe, expect, it } from 'vitest';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, tenantA } from '../support/env.js';

describe('a value that cannot be stored', () => {
  it('fails its agent with the reason, and the session follows its failure policy (never stuck executing)', async () => {
    // Prepare: the payload bucket does not exist, so an output over the inline limit cannot be written
    const env = await createTestEnv({ ACE_PAYLOAD_BUCKET: 'no-such-bucket' });
    const bed = await createDirectBed({ env });
    const task = await seedTask(env, [
      { name: 'big', script: { answer: 'x'.repeat(100_000) } },
      { name: 'after', preds: ['big'] },
      { name: 'other', script: { answer: 'fine' } },
    ]);
    // Act
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);
    // Assess
    const stored = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('failed');
    const big = (await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid })).find(
      (a) => a.agent_uuid === task.uuidOf('big'),
    );
    expect(big?.state).toBe('failed');
    expect(big?.notes).toMatch(/value of 100000 bytes cannot be stored: S3 refused it/);
    expect(stored.logs).toContain('cannot be stored');
  });
});
