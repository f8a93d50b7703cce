import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

describe('entity repositories on a real local DynamoDB', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('inserts, reads, updates only supplied fields, and hides rows of other tenants', async () => {
    const uuid = newId();
    const created = await env.repos.coordinations.insert(tenantA, {
      coordination_uuid: uuid,
      coordination_name: 'Support',
      coordination_description: 'helps',
      agents: [],
      updated_by: 'tester',
    });
    expect(created.partition_key).toBe('endpoint-a#part-1');
    const updated = await env.repos.coordinations.update(tenantA, uuid, {
      coordination_name: 'Help',
      updated_by: 'x',
    });
    expect(updated.coordination_name).toBe('Help');
    expect(updated.coordination_description).toBe('helps');
    expect(await env.repos.coordinations.find(tenantB, uuid)).toBeUndefined();
    await expect(env.repos.coordinations.delete(tenantB, uuid)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [one, missing] = await env.repos.coordinations.batchGet(tenantA, [uuid, newId()]);
    expect(one?.coordination_uuid).toBe(uuid);
    expect(missing).toBeUndefined();
  });
});
