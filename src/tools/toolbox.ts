import type { LambdaClient } from '@aws-sdk/client-lambda';
import { AgentRuntimeError } from '../runtimes/port.js';
import type { Tenant } from '../tenant.js';
import type { BuiltinRegistry } from './builtins.js';
import type { ToolOutcome } from './call-store.js';
import type { ToolDefinition } from './conversation.js';
import type { HeadersProfiles, ToolEgress } from './egress.js';
import { callHttpTool } from './http-tool.js';
import { callLambdaTool } from './lambda-tool.js';
import type { McpConnector } from './mcp-tool.js';
import { needsApproval, type ToolSpec } from './spec.js';

/** Who is calling: passed to every tool (Lambda payload, builtins). */
export interface ToolCallContext {
  readonly tenant: Tenant;
  readonly runUuid: string;
  readonly callId: string;
  readonly sessionUuid?: string;
  readonly sessionAgentUuid?: string;
  readonly signal?: AbortSignal;
}

/** A tool ready to call: what the model sees, how it is gated, and how it runs. */
export interface ResolvedTool extends ToolDefinition {
  readonly type: ToolSpec['type'];
  readonly needsApproval: boolean;
  readonly idempotent: boolean;
  /** Never throws: a failure is `{ok: false, value: reason}`, which the model reads as a tool error. */
  invoke(args: unknown, context: ToolCallContext): Promise<ToolOutcome>;
}

export interface ToolboxDeps {
  readonly egress: ToolEgress;
  readonly builtins: BuiltinRegistry;
  readonly mcp: McpConnector;
  readonly headersProfiles: HeadersProfiles;
  /** Only needed when an agent has `lambda` tools. */
  readonly lambda?: LambdaClient;
}

export interface Toolbox {
  /** The agent's tools as the model will see them; an MCP server that cannot list its tools fails the run (retryable). */
  resolve(specs: readonly ToolSpec[]): Promise<ResolvedTool[]>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Wraps a call so that whatever it throws becomes a tool error. */
const guarded =
  (run: (args: unknown, context: ToolCallContext) => Promise<ToolOutcome>) =>
  async (args: unknown, context: ToolCallContext): Promise<ToolOutcome> => {
    try {
      return await run(args, context);
    } catch (error) {
      return { ok: false, value: `tool failed: ${errorText(error)}` };
    }
  };

export function createToolbox(deps: ToolboxDeps): Toolbox {
  const refusal = (spec: ToolSpec): string | null => {
    if (spec.type === 'http' || spec.type === 'mcp') return deps.egress.checkUrl(spec.url);
    if (spec.type === 'lambda') return deps.egress.checkLambdaFunctionName(spec.function_name);
    return null;
  };

  async function resolveOne(spec: ToolSpec): Promise<ResolvedTool[]> {
    const base = { type: spec.type, idempotent: spec.idempotent === true };
    // Settings changed since the spec was written: the tool stays visible and every call is refused.
    const refused = refusal(spec);
    const refusedInvoke = async (): Promise<ToolOutcome> => ({
      ok: false,
      value: `tool refused: ${refused}`,
    });
    switch (spec.type) {
      case 'http':
        return [
          {
            ...base,
            name: spec.name,
            description: spec.description,
            parameters: spec.parameters,
            needsApproval: needsApproval(spec, spec.name),
            invoke: refused
              ? refusedInvoke
              : guarded((args, ctx) => callHttpTool(deps, spec, args, ctx.signal)),
          },
        ];
      case 'lambda':
        return [
          {
            ...base,
            name: spec.name,
            description: spec.description,
            parameters: spec.parameters,
            needsApproval: needsApproval(spec, spec.name),
            invoke: guarded(async (args, ctx) => {
              if (!deps.lambda) return { ok: false, value: 'lambda tools are not enabled here' };
              return callLambdaTool({ lambda: deps.lambda, egress: deps.egress }, spec, {
                arguments: args,
                session_uuid: ctx.sessionUuid ?? null,
                session_agent_uuid: ctx.sessionAgentUuid ?? null,
                run_uuid: ctx.runUuid,
                call_id: ctx.callId,
                endpoint_id: ctx.tenant.endpointId,
                part_id: ctx.tenant.partId,
              });
            }),
          },
        ];
      case 'mcp': {
        if (refused) throw new AgentRuntimeError(`MCP server ${spec.url} refused: ${refused}`, false);
        let listed: ToolDefinition[];
        try {
          listed = await deps.mcp.listTools(spec);
        } catch (error) {
          throw new AgentRuntimeError(`MCP server ${spec.url} unavailable: ${errorText(error)}`, true, {
            cause: error,
          });
        }
        return listed.map((tool) => ({
          ...base,
          ...tool,
          needsApproval: needsApproval(spec, tool.name),
          invoke: guarded((args, ctx) => deps.mcp.callTool(spec, tool.name, args, ctx.signal)),
        }));
      }
      case 'builtin': {
        const builtin = deps.builtins.get(spec.name);
        if (!builtin) throw new AgentRuntimeError(`unknown builtin tool "${spec.name}"`, false);
        return [
          {
            ...base,
            idempotent: spec.idempotent ?? builtin.idempotent === true,
            name: builtin.name,
            description: builtin.description,
            parameters: builtin.parameters,
            needsApproval: needsApproval(spec, spec.name),
            invoke: guarded(async (args, ctx) => ({
              ok: true,
              value: await builtin.run((args ?? {}) as Record<string, unknown>, {
                tenant: ctx.tenant,
                runUuid: ctx.runUuid,
                ...(ctx.sessionUuid && { sessionUuid: ctx.sessionUuid }),
                ...(ctx.sessionAgentUuid && { sessionAgentUuid: ctx.sessionAgentUuid }),
                ...(ctx.signal && { signal: ctx.signal }),
              }),
            })),
          },
        ];
      }
    }
  }

  return {
    async resolve(specs) {
      const resolved = (await Promise.all(specs.map(resolveOne))).flat();
      const seen = new Set<string>();
      for (const tool of resolved) {
        if (seen.has(tool.name))
          throw new AgentRuntimeError(`two tools of the agent are named "${tool.name}"`, false);
        seen.add(tool.name);
      }
      return resolved;
    },
  };
}
