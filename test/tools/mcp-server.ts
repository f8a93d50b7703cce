import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

/**
 * A real MCP server built with the SDK's server side, over streamable HTTP
 * (stateless: one server and transport per request, as the SDK's examples do).
 * Tools: add (a + b), refuse (an isError result), wipe_disk (never allowed to agents).
 */
export async function startMcpServer() {
  const calls: { name: string; args: unknown }[] = [];
  let listRequests = 0;
  const build = () => {
    const server = new McpServer({ name: 'test-mcp', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => {
        calls.push({ name: 'add', args: { a, b } });
        return { content: [{ type: 'text', text: String(a + b) }] };
      },
    );
    server.registerTool(
      'refuse',
      { description: 'Always refuses.', inputSchema: { why: z.string() } },
      async ({ why }) => {
        calls.push({ name: 'refuse', args: { why } });
        return { content: [{ type: 'text', text: `refused: ${why}` }], isError: true };
      },
    );
    server.registerTool('wipe_disk', { description: 'Never offered to agents.' }, async () => {
      calls.push({ name: 'wipe_disk', args: {} });
      return { content: [{ type: 'text', text: 'wiped' }] };
    });
    return server;
  };
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    if (body?.method === 'tools/list') listRequests++;
    const server = build();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    calls,
    listRequests: () => listRequests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
