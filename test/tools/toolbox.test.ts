import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard } from '../../src/egress/guard.js';
import { createBuiltinRegistry, currentTimeTool } from '../../src/tools/builtins.js';
import { toolSpecProblems } from '../../src/tools/check.js';
import { createMcpConnector } from '../../src/tools/mcp-tool.js';
import { ToolSpecSchema } from '../../src/tools/spec.js';
import { createToolbox, type ResolvedTool } from '../../src/tools/toolbox.js';
import { sendJson, startHttpServer, type TestServer } from '../runtimes/support/http-server.js';
import { tenantA } from '../support/env.js';
import { startMcpServer } from './mcp-server.js';

const call = { tenant: tenantA, runUuid: 'run-1', callId: 'c1', sessionUuid: 's1', sessionAgentUuid: 'sa1' };

describe('toolbox: http, lambda and MCP tools against real local servers, through the egress guard', () => {
  let api: TestServer;
  let lambdaApi: TestServer;
  let mcp: Awaited<ReturnType<typeof startMcpServer>>;
  beforeAll(async () => {
    api = await startHttpServer((req, res) => {
      if (req.url.startsWith('/fail')) return sendJson(res, 503, { error: 'down for maintenance' });
      if (req.url.startsWith('/text'))
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      return sendJson(res, 200, {
        got: req.json ?? null,
        query: req.url,
        auth: req.headers['x-api-key'] ?? null,
      });
    });
    // A Lambda stand-in speaking the Invoke wire protocol (POST /2015-03-31/functions/{name}/invocations).
    lambdaApi = await startHttpServer((req, res) => {
      const payload = req.json as { arguments: { n: number } };
      if (req.url.includes('ace-tools-broken')) {
        return res
          .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
          .end(JSON.stringify({ errorMessage: 'kaboom', errorType: 'Error' }));
      }
      return sendJson(res, 200, { doubled: payload.arguments.n * 2, saw: payload });
    });
    mcp = await startMcpServer();
  });
  afterAll(async () => {
    await Promise.all([api.close(), lambdaApi.close(), mcp.close()]);
  });

  const hostOf = (url: string) => new URL(url).host;
  function toolboxWith(allowed: string[], options: { lookup?: never; lambdaPrefix?: string } = {}) {
    const egress = createEgressGuard({
      allowedHosts: allowed,
      lambdaPrefix: options.lambdaPrefix ?? 'ace-tools-',
    });
    const headersProfiles = (name: string) =>
      name === 'crm' ? { 'x-api-key': 'operator-secret' } : undefined;
    return createToolbox({
      egress,
      builtins: createBuiltinRegistry([currentTimeTool(() => new Date('2026-01-02T03:04:05Z'))]),
      mcp: createMcpConnector({ egress, headersProfiles, listTtlMs: 60_000 }),
      headersProfiles,
      lambda: new LambdaClient({
        region: 'us-east-1',
        endpoint: lambdaApi.url,
        credentials: { accessKeyId: 'k', secretAccessKey: 's' },
        maxAttempts: 1,
      }),
    });
  }
  const only = async (toolbox: ReturnType<typeof toolboxWith>, spec: unknown): Promise<ResolvedTool> => {
    const [tool] = await toolbox.resolve([ToolSpecSchema.parse(spec)]);
    if (!tool) throw new Error('no tool');
    return tool;
  };

  it('http: JSON arguments as the body, JSON or text answers, operator headers from the profile, non-2xx as a tool error', async () => {
    const toolbox = toolboxWith([`http://${hostOf(api.url)}`]);
    const post = await only(toolbox, {
      type: 'http',
      name: 'crm',
      url: `${api.url}/orders`,
      headers_profile: 'crm',
    });
    const get = await only(toolbox, { type: 'http', name: 'get', url: `${api.url}/q`, method: 'GET' });
    const text = await only(toolbox, { type: 'http', name: 'text', url: `${api.url}/text` });
    const failing = await only(toolbox, { type: 'http', name: 'fail', url: `${api.url}/fail` });

    expect(await post.invoke({ order_id: 'A-1' }, call)).toEqual({
      ok: true,
      value: { got: { order_id: 'A-1' }, query: '/orders', auth: 'operator-secret' },
    });
    expect((await get.invoke({ q: 'x y' }, call)).value).toMatchObject({ query: '/q?q=x+y', got: null });
    expect(await text.invoke({}, call)).toEqual({ ok: true, value: 'plain words' });
    expect(await failing.invoke({}, call)).toEqual({
      ok: false,
      value: expect.stringMatching(/^HTTP 503: .*maintenance/),
    });
  });

  it('the allow-list: a refused host, a private address, a Lambda outside the prefix', async () => {
    const toolbox = toolboxWith(['https://api.example.com']);
    const refusedHost = await only(toolbox, { type: 'http', name: 'local', url: `${api.url}/orders` });
    const outcome = await refusedHost.invoke({}, call);
    expect(outcome.ok).toBe(false);
    expect(String(outcome.value)).toMatch(/tool refused: .*127\.0\.0\.1/);
    expect(api.requests.filter((r) => r.url === '/orders' && !r.headers['x-api-key'])).toHaveLength(0);

    // Listed by name, but the name resolves to a private address: refused when connecting.
    const privateGuard = createEgressGuard({
      allowedHosts: ['http://intranet.test'],
      lookup: async () => [{ address: '10.20.30.40', family: 4 }],
    });
    const privateTool = await createToolbox({
      egress: privateGuard,
      builtins: createBuiltinRegistry([]),
      mcp: createMcpConnector({ egress: privateGuard, headersProfiles: () => undefined }),
      headersProfiles: () => undefined,
    }).resolve([ToolSpecSchema.parse({ type: 'http', name: 'intranet', url: 'http://intranet.test/x' })]);
    const privateOutcome = await privateTool[0]!.invoke({}, call);
    expect(privateOutcome.ok).toBe(false);
    expect(String(privateOutcome.value)).toMatch(/10\.20\.30\.40/);

    const lambda = await only(toolbox, { type: 'lambda', name: 'ext', function_name: 'someone-elses-fn' });
    expect(await lambda.invoke({ n: 1 }, call)).toEqual({
      ok: false,
      value: expect.stringMatching(/lambda tool refused: .*ace-tools-/),
    });

    // Written: the same refusals are BAD_USER_INPUT problems naming agent and tool.
    const problems = toolSpecProblems(
      [
        {
          agent_uuid: 'a1',
          agent_name: 'Buyer',
          tools: [
            { type: 'http', name: 'local', url: `${api.url}/orders` },
            { type: 'lambda', name: 'ext', function_name: 'someone-elses-fn' },
            { type: 'builtin', name: 'launch_rockets' },
          ],
        },
      ],
      {
        egress: createEgressGuard({ allowedHosts: ['https://api.example.com'], lambdaPrefix: 'ace-tools-' }),
        builtins: createBuiltinRegistry([currentTimeTool()]),
      },
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^agent Buyer: tool local \(tools\.0\): /);
    expect(problems[1]).toMatch(/^agent Buyer: tool ext \(tools\.1\): .*ace-tools-/);
    expect(problems[2]).toMatch(/unknown builtin \(known: current_time\)/);
  });

  it('lambda: invoked with the arguments and the call identity; a FunctionError is a tool error', async () => {
    const toolbox = toolboxWith([]);
    const ok = await only(toolbox, { type: 'lambda', name: 'double', function_name: 'ace-tools-double' });
    const broken = await only(toolbox, { type: 'lambda', name: 'broken', function_name: 'ace-tools-broken' });

    const outcome = await ok.invoke({ n: 21 }, call);
    expect(outcome).toEqual({
      ok: true,
      value: {
        doubled: 42,
        saw: {
          arguments: { n: 21 },
          session_uuid: 's1',
          session_agent_uuid: 'sa1',
          run_uuid: 'run-1',
          call_id: 'c1',
          endpoint_id: tenantA.endpointId,
          part_id: tenantA.partId,
        },
      },
    });
    expect(lambdaApi.requests.at(-1)?.url).toBe('/2015-03-31/functions/ace-tools-double/invocations');
    expect(await broken.invoke({ n: 1 }, call)).toEqual({
      ok: false,
      value: expect.stringMatching(/Unhandled.*kaboom/),
    });
  });

  it('mcp: lists the server tools (cached, filtered by allowed_tools), calls them, isError is a tool error', async () => {
    const toolbox = toolboxWith([`http://${hostOf(mcp.url)}`]);
    const spec = ToolSpecSchema.parse({
      type: 'mcp',
      url: mcp.url,
      allowed_tools: ['add', 'refuse'],
      needs_approval: ['refuse'],
    });

    const tools = await toolbox.resolve([spec]);
    await toolbox.resolve([spec]);

    expect(tools.map((t) => [t.name, t.needsApproval])).toEqual([
      ['add', false],
      ['refuse', true],
    ]);
    expect(tools[0]?.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' } } });
    expect(mcp.listRequests()).toBe(1);
    expect(await tools[0]!.invoke({ a: 2, b: 3 }, call)).toEqual({ ok: true, value: '5' });
    expect(await tools[1]!.invoke({ why: 'policy' }, call)).toEqual({ ok: false, value: 'refused: policy' });
    expect(mcp.calls.map((c) => c.name)).toEqual(['add', 'refuse']);
  });

  it('mcp: a server that is down fails the listing (retryable) and a call (tool error)', async () => {
    const down = await startMcpServer();
    const url = down.url;
    const toolbox = toolboxWith([`http://${hostOf(url)}`]);
    const spec = ToolSpecSchema.parse({ type: 'mcp', url });
    const tools = await toolbox.resolve([spec]);
    await down.close();

    const outcome = await tools[0]!.invoke({ a: 1, b: 1 }, call);
    expect(outcome.ok).toBe(false);
    expect(String(outcome.value)).toMatch(/tool failed/);
    const fresh = toolboxWith([`http://${hostOf(url)}`]);
    await expect(fresh.resolve([spec])).rejects.toMatchObject({
      name: 'AgentRuntimeError',
      retryable: true,
      message: expect.stringMatching(/MCP server .* unavailable/),
    });
  });
});
