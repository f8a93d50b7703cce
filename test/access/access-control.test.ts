import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessControlFromConfig, hasPermission, rolesFromClaims } from '../../src/access/access-control.js';
import { createLogger } from '../../src/clients.js';
import { createAuthorizer } from '../../src/handlers/authorizer.js';
import { createTokenVerifier } from '../../src/transport/auth.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

const SECRET = 'a-test-secret-of-sufficient-length';
const logger = createLogger({ LOG_LEVEL: 'silent' });
const caller = (roles?: string[]) => ({ tenant: tenantA, userId: 'u', ...(roles && { roles }) });

describe('roles and the permission table', () => {
  it('built-in roles grow from viewer to admin; an operator table adds and replaces roles', () => {
    const access = accessControlFromConfig({
      ACE_ROLES: JSON.stringify({
        approver: ['session:read', 'session:answer', 'tool:decide'],
        viewer: ['task:*'],
      }),
      ACE_ROLES_CLAIM: 'roles',
      ACE_DEFAULT_ROLES: 'approver',
    });
    expect(hasPermission(access, caller(['approver']), 'session:answer')).toBe(true);
    expect(hasPermission(access, caller(['approver']), 'coordination:delete')).toBe(false);
    // viewer replaced: task:* only
    expect(hasPermission(access, caller(['viewer']), 'task:delete')).toBe(true);
    expect(hasPermission(access, caller(['viewer']), 'session:read')).toBe(false);
    expect(hasPermission(access, caller(['admin']), 'audit:read')).toBe(true);
    expect(hasPermission(access, caller(['editor']), 'coordination:delete')).toBe(false);
    // No roles in the token: the default; an empty list: nothing; an unknown role: nothing.
    expect(hasPermission(access, caller(), 'tool:decide')).toBe(true);
    expect(hasPermission(access, caller([]), 'system:ping')).toBe(false);
    expect(hasPermission(access, caller(['ghost']), 'system:ping')).toBe(false);
  });

  it('refuses a malformed operator table at start-up, naming the problem', () => {
    const load = (ACE_ROLES: string) => () =>
      accessControlFromConfig({ ACE_ROLES, ACE_ROLES_CLAIM: 'roles', ACE_DEFAULT_ROLES: 'viewer' });
    expect(load('{"x": ["not a permission"]}')).toThrow(/ACE_ROLES is invalid: x\.0/);
    expect(load('{oops')).toThrow(/ACE_ROLES is not valid JSON/);
  });

  it('reads roles from the configured claim: an array or a separated string', async () => {
    expect(rolesFromClaims({ roles: ['operator', 7] }, 'roles')).toEqual(['operator']);
    expect(rolesFromClaims({ 'cognito:groups': 'editor, viewer' }, 'cognito:groups')).toEqual([
      'editor',
      'viewer',
    ]);
    expect(rolesFromClaims({}, 'roles')).toBeUndefined();
    const verifier = createTokenVerifier(
      { JWT_SECRET: SECRET, ACE_ROLES_CLAIM: 'cognito:groups' } as never,
      logger,
    );
    const token = await new SignJWT({ endpoint_id: 'e', part_id: 'p', 'cognito:groups': ['editor'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('sam')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect((await verifier.verify(token)).roles).toEqual(['editor']);
    // The $connect authorizer hands the roles on to the connection.
    const result = await createAuthorizer(verifier)({
      headers: { authorization: `Bearer ${token}` },
      methodArn: 'arn:x',
    } as never);
    expect(result.context).toMatchObject({ user_id: 'sam', roles: '["editor"]' });
  });
});

describe('the check on the schema', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('a custom approver may answer user input but not delete; FORBIDDEN names the permission and the roles', async () => {
    const access = accessControlFromConfig({
      ACE_ROLES: JSON.stringify({ approver: ['session:read', 'session:answer'] }),
      ACE_ROLES_CLAIM: 'roles',
      ACE_DEFAULT_ROLES: 'viewer',
    });
    const gql = createGraphQLClient(env, { services: { access }, caller: caller(['approver']) });
    const denied = await gql('mutation { deleteCoordination(coordinationUuid: "c1") { ok } }');
    expect(denied.errors?.[0]).toMatchObject({
      message: 'deleteCoordination: permission coordination:delete required (roles: approver)',
      extensions: { code: 'FORBIDDEN', details: { permission: 'coordination:delete', roles: ['approver'] } },
    });
    // Allowed: reaches the resolver (which finds no such agent).
    const answered = await gql(
      'mutation { executeForUserInput(sessionUuid: "s1", sessionAgentUuid: "a1", userInput: "yes") { ok } }',
    );
    expect(answered.errors?.[0]?.extensions?.code).not.toBe('FORBIDDEN');
    // In one document, the permitted field answers and the denied one is refused alone.
    const mixed = await gql(
      '{ session(coordinationUuid: "c1", sessionUuid: "s1") { status } coordination(coordinationUuid: "c1") { coordinationName } }',
    );
    expect(mixed.data).toEqual({ session: null, coordination: null });
    // The permitted field ran (there is no such session); the denied one was refused before its resolver.
    expect(mixed.errors?.map((e) => [e.path?.[0], e.extensions?.code]).sort()).toEqual([
      ['coordination', 'FORBIDDEN'],
      ['session', 'NOT_FOUND'],
    ]);
  });

  it('without access control wired in, every field is refused (fail closed)', async () => {
    const gql = createGraphQLClient(env, { services: { access: undefined } });
    const result = await gql('{ ping }');
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
