import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard } from '../../src/egress/guard.js';
import { type ActionContext, createActionRegistry } from '../../src/hubs/procedure/actions.js';
import { tenantA } from '../support/env.js';
import { startServer, streamHuge } from './support.js';

const context: ActionContext = {
  tenant: tenantA,
  sessionUuid: 'session-1',
  sessionAgent: { session_agent_uuid: 'sa-1', agent_uuid: 'a-1', agent_output: 'draft' },
  predecessors: [],
  successors: [],
};

describe('webhook action function through the egress guard', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let written: Promise<number> | undefined;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/huge') {
        written = streamHuge(res, 50 * 1024 * 1024);
        return;
      }
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://10.0.0.1/admin' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const agent = (JSON.parse(req.body) as { session_agent: { agent_output: string } }).session_agent;
      res.end(JSON.stringify({ agent_output: `hooked: ${agent.agent_output}`, notes: 'ok' }));
    });
  });
  afterAll(() => server.close());
  const registry = () =>
    createActionRegistry({
      egress: createEgressGuard({ allowedHosts: `http://127.0.0.1:${server.port}` }),
      maxAnswerBytes: 100_000,
    });

  it('posts the agent to a listed host and takes its answer', async () => {
    const result = await registry().run(
      { type: 'webhook', url: `${server.origin}/hook`, headers: { 'x-api-key': 'k' } },
      context,
    );
    expect(result).toEqual({ agent_output: 'hooked: draft', notes: 'ok' });
    expect(server.seen.at(-1)?.headers['x-api-key']).toBe('k');
  });

  it.each([
    [
      'the Lambda runtime API on loopback',
      'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      'not on the operator',
    ],
    ['the instance metadata address', 'http://169.254.169.254/latest/meta-data/', 'not on the operator'],
    ['a private address', 'http://10.0.0.1/', 'not on the operator'],
  ])('refuses %s with the reason', async (_label, url, reason) => {
    const before = server.seen.length;
    await expect(registry().run({ type: 'webhook', url }, context)).rejects.toThrow(reason);
    expect(server.seen.length).toBe(before);
  });

  it('refuses a redirect to a private address, a forbidden header, and runs nothing without a guard', async () => {
    await expect(
      registry().run({ type: 'webhook', url: `${server.origin}/redirect` }, context),
    ).rejects.toThrow('http://10.0.0.1 is not on the operator');
    await expect(
      registry().run({ type: 'webhook', url: `${server.origin}/hook`, headers: { host: 'x' } }, context),
    ).rejects.toThrow('header(s) not allowed: host');
    await expect(
      createActionRegistry().run({ type: 'webhook', url: `${server.origin}/hook` }, context),
    ).rejects.toThrow('webhook actions need the egress guard');
  });

  it('a 50 MB answer fails the action at the cap, having read only a bounded part', async () => {
    await expect(registry().run({ type: 'webhook', url: `${server.origin}/huge` }, context)).rejects.toThrow(
      'webhook answer is larger than the 100000-byte cap',
    );
    expect(await written).toBeLessThan(12 * 1024 * 1024);
  });
});
