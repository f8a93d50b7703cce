import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Repositories } from '../domain/repositories.js';
import type { BuiltinTool } from './builtins.js';
import { createToolCallStore } from './call-store.js';
import type { ToolServices } from './context.js';
import { type HeadersProfiles, headersProfilesFromEnv, type ToolEgress } from './egress.js';
import { createMcpConnector } from './mcp-tool.js';
import { createToolCheck, engineBuiltins } from './tool-check.js';
import { createToolbox } from './toolbox.js';

export { sessionOutputsFrom } from './tool-check.js';

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

/** Built once by the composition root: the toolbox both hubs share, the call store, the write-time check. */
export function createEngineTools(deps: EngineToolsDeps): EngineTools {
  const headersProfiles = deps.headersProfiles ?? headersProfilesFromEnv();
  const builtins = engineBuiltins(deps.repos, deps.extraBuiltins);
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
    ...createToolCheck({ egress: deps.egress, builtins }),
  };
}
