import type { NewSessionEvent } from '../../src/events/event-log.js';
import { newId } from '../../src/ids.js';
import type { Tenant } from '../../src/tenant.js';
import { type BuiltinTool, createBuiltinRegistry, currentTimeTool } from '../../src/tools/builtins.js';
import { createToolCallStore, type Decision, type ToolCallStore } from '../../src/tools/call-store.js';
import type { ToolRunContext } from '../../src/tools/context.js';
import type { ToolEgress } from '../../src/tools/egress.js';
import { createMcpConnector } from '../../src/tools/mcp-tool.js';
import { createToolbox, type Toolbox } from '../../src/tools/toolbox.js';
import { type TestEnv, tenantA } from '../support/env.js';

/** A builtin that counts its calls and echoes its arguments: the side effect the tests count. */
export function countingTool(name = 'lookup_order', options: { idempotent?: boolean } = {}) {
  const calls: unknown[] = [];
  const tool: BuiltinTool = {
    name,
    description: `Looks up an order (${name}).`,
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' } },
      required: ['order_id'],
      additionalProperties: false,
    },
    ...(options.idempotent !== undefined && { idempotent: options.idempotent }),
    async run(args) {
      calls.push(args);
      return { order_id: args.order_id, status: 'shipped' };
    },
  };
  return { tool, calls };
}

/** An egress guard for tests that only use builtins and Lambda stand-ins: refuses every network call. */
export const noNetwork: ToolEgress = {
  fetch: async () => {
    throw new Error('no network in this test');
  },
  checkUrl: () => 'no network in this test',
  checkLambdaFunctionName: () => null,
};

export interface ToolBed {
  readonly toolbox: Toolbox;
  readonly calls: ToolCallStore;
  readonly events: NewSessionEvent[];
  context(options?: {
    runUuid?: string;
    tenant?: Tenant;
    decisions?: Record<string, Decision>;
    sessionUuid?: string;
  }): ToolRunContext;
}

export function createToolBed(
  env: TestEnv,
  options: { builtins?: BuiltinTool[]; egress?: ToolEgress } = {},
): ToolBed {
  const egress = options.egress ?? noNetwork;
  const headersProfiles = () => undefined;
  const toolbox = createToolbox({
    egress,
    builtins: createBuiltinRegistry([currentTimeTool(), ...(options.builtins ?? [])]),
    mcp: createMcpConnector({ egress, headersProfiles }),
    headersProfiles,
  });
  const calls = createToolCallStore(env.clients);
  const events: NewSessionEvent[] = [];
  return {
    toolbox,
    calls,
    events,
    context: (o = {}) => ({
      runUuid: o.runUuid ?? newId(),
      tenant: o.tenant ?? tenantA,
      toolbox,
      calls,
      ...(o.sessionUuid && { sessionUuid: o.sessionUuid }),
      ...(o.decisions && { decisions: o.decisions }),
      record: async (recorded) => {
        events.push(...recorded);
      },
    }),
  };
}
