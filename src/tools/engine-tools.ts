import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Repositories } from '../domain/repositories.js';
import {
  type BuiltinTool,
  createBuiltinRegistry,
  defaultBuiltins,
  type SessionOutputsSource,
} from './builtins.js';
import { createToolCallStore } from './call-store.js';
import { toolSpecProblems } from './check.js';
import type { ToolServices } from './context.js';
import { type HeadersProfiles, headersProfilesFromEnv, type ToolEgress } from './egress.js';
import { createMcpConnector } from './mcp-tool.js';
import { createToolbox } from './toolbox.js';

export interface EngineToolsDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'toolCalls'>;
  readonly repos: Repositories;
  readonly egress: ToolEgress;
  readonly lambda?: LambdaClient;
  readonly headersProfiles?: HeadersProfiles;
  /** More builtin tools (agent memory, ...): added to current_time and session_outputs. */
  readonly extraBuiltins?: readonly BuiltinTool[];
  readonly mcpListTtlMs?: number;
}

export interface EngineTools extends ToolServices {
  /** Why the agents' tool specs cannot be stored (named per tool), or an empty list. */
  check(agents: readonly Record<string, unknown>[]): string[];
}

/** The finished work of a session: completed SessionAgents (procedure) and completed runs (operation). */
export function sessionOutputsFrom(repos: Repositories): SessionOutputsSource {
  return async (tenant, sessionUuid) => {
    const [agents, runs] = await Promise.all([
      repos.sessionAgents.list(tenant, { sessionUuid }),
      repos.sessionRuns.list(tenant, { sessionUuid }),
    ]);
    return [
      ...agents
        .filter((a) => a.state === 'completed' && a.agent_output)
        .map((a) => ({
          source_uuid: a.session_agent_uuid,
          agent_uuid: a.agent_uuid,
          output: a.agent_output ?? '',
        })),
      ...runs
        .filter((r) => r.status === 'completed' && r.answer && !r.session_agent_uuid)
        .map((r) => ({ source_uuid: r.run_uuid, agent_uuid: r.agent_uuid, output: r.answer ?? '' })),
    ];
  };
}

/** Built once by the composition root: the toolbox both hubs share, the call store, the write-time check. */
export function createEngineTools(deps: EngineToolsDeps): EngineTools {
  const headersProfiles = deps.headersProfiles ?? headersProfilesFromEnv();
  const builtins = createBuiltinRegistry([
    ...defaultBuiltins({ sessionOutputs: sessionOutputsFrom(deps.repos) }),
    ...(deps.extraBuiltins ?? []),
  ]);
  const toolbox = createToolbox({
    egress: deps.egress,
    builtins,
    mcp: createMcpConnector({
      egress: deps.egress,
      headersProfiles,
      ...(deps.mcpListTtlMs !== undefined && { listTtlMs: deps.mcpListTtlMs }),
    }),
    headersProfiles,
    ...(deps.lambda && { lambda: deps.lambda }),
  });
  return {
    toolbox,
    calls: createToolCallStore({ doc: deps.doc, tables: deps.tables }),
    check: (agents) => toolSpecProblems(agents, { egress: deps.egress, builtins }),
  };
}
