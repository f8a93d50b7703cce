import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ToolOutcome } from './call-store.js';
import type { ToolDefinition } from './conversation.js';
import type { HeadersProfiles, ToolEgress } from './egress.js';
import { DEFAULT_TOOL_TIMEOUT_MS, MAX_TOOL_RESPONSE_BYTES } from './http-tool.js';
import type { McpToolSpec } from './spec.js';

export interface McpConnectorDeps {
  readonly egress: ToolEgress;
  readonly headersProfiles: HeadersProfiles;
  /** How long a server's tool list is reused (default 60 s). */
  readonly listTtlMs?: number;
  readonly now?: () => number;
}

export interface McpConnector {
  /** The server's tools (cached per server for the TTL), filtered by `allowed_tools`. */
  listTools(spec: McpToolSpec): Promise<ToolDefinition[]>;
  callTool(spec: McpToolSpec, name: string, args: unknown, signal?: AbortSignal): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/**
 * MCP servers over streamable HTTP with @modelcontextprotocol/sdk: one
 * connected Client per (server, headers profile), kept while it works and
 * dropped on the first failure (the next use reconnects). Every request goes
 * through the egress guard's fetch.
 */
export function createMcpConnector(deps: McpConnectorDeps): McpConnector {
  const ttl = deps.listTtlMs ?? 60_000;
  const now = deps.now ?? Date.now;
  const clients = new Map<string, Promise<Client>>();
  const lists = new Map<string, { tools: ToolDefinition[]; until: number }>();
  const keyOf = (spec: McpToolSpec) => `${spec.url}|${spec.headers_profile ?? ''}`;

  function connect(spec: McpToolSpec): Promise<Client> {
    const key = keyOf(spec);
    let client = clients.get(key);
    if (!client) {
      const operatorHeaders = spec.headers_profile ? deps.headersProfiles(spec.headers_profile) : undefined;
      if (spec.headers_profile && !operatorHeaders) {
        return Promise.reject(new Error(`headers profile "${spec.headers_profile}" is not configured`));
      }
      client = openClient(spec, operatorHeaders);
      clients.set(key, client);
      client.catch(() => clients.delete(key));
    }
    return client;
  }

  /** The SDK is imported on the first MCP connection: a cold start that never uses MCP does not evaluate it. */
  async function openClient(spec: McpToolSpec, operatorHeaders: Record<string, string> | undefined) {
    const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    const transport = new StreamableHTTPClientTransport(new URL(spec.url), {
      fetch: (url, init) => {
        const { tenant, protocol } = splitProtocolHeaders(init?.headers);
        return deps.egress.fetch(url, {
          ...init,
          headers: tenant,
          timeoutMs: spec.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS,
          maxResponseBytes: MAX_TOOL_RESPONSE_BYTES,
          operatorHeaders: { ...protocol, ...operatorHeaders },
        });
      },
    });
    const fresh = new Client({ name: 'ai-coordination-engine', version: '0.1.0' });
    await fresh.connect(transport);
    return fresh;
  }

  async function withClient<T>(spec: McpToolSpec, use: (client: Client) => Promise<T>): Promise<T> {
    const client = await connect(spec);
    try {
      return await use(client);
    } catch (error) {
      clients.delete(keyOf(spec));
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  return {
    async listTools(spec) {
      const key = keyOf(spec);
      const cached = lists.get(key);
      let tools = cached && cached.until > now() ? cached.tools : undefined;
      if (!tools) {
        const listed: ToolDefinition[] = [];
        await withClient(spec, async (client) => {
          let cursor: string | undefined;
          do {
            const page = await client.listTools(cursor ? { cursor } : {});
            for (const tool of page.tools) {
              listed.push({
                name: tool.name,
                description: tool.description ?? '',
                parameters: tool.inputSchema as Record<string, unknown>,
              });
            }
            cursor = page.nextCursor;
          } while (cursor);
        });
        tools = listed;
        lists.set(key, { tools, until: now() + ttl });
      }
      const allowed = spec.allowed_tools;
      return allowed ? tools.filter((t) => allowed.includes(t.name)) : tools;
    },

    async callTool(spec, name, args, signal) {
      const result = await withClient(spec, (client) =>
        client.callTool({ name, arguments: (args ?? {}) as Record<string, unknown> }, undefined, {
          timeout: spec.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS,
          ...(signal && { signal }),
        }),
      );
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content
        .map((part) => (part.type === 'text' ? part.text : JSON.stringify(part)))
        .join('\n');
      const value = result.structuredContent ?? text;
      return { ok: result.isError !== true, value };
    },

    async close() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close()));
    },
  };
}

/**
 * The MCP client's own protocol headers (mcp-session-id, mcp-protocol-version,
 * last-event-id) are the engine's, not the tenant's: they pass as operator
 * headers, outside the guard's tenant header allow-list.
 */
function splitProtocolHeaders(init: HeadersInit | undefined) {
  const tenant = new Headers();
  const protocol: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    if (name.startsWith('mcp-') || name === 'last-event-id') protocol[name] = value;
    else tenant.set(name, value);
  });
  return { tenant, protocol };
}
