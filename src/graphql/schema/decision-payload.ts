import type { AskResult } from '../../hubs/operation/hub.js';
import { builder } from '../builder.js';
import { AskOperationHubRef } from './operation.js';
import { SessionAgentRef } from './session-agent.js';

/** What a person's decision answers with, in either hub: the procedure agent, or the operation run. */
export interface DecisionPayload {
  readonly sessionAgentKey?: string;
  readonly operation?: AskResult;
}

/**
 * The payload type of a decision mutation (tool calls, escalations): one
 * shape for both, with its own name and what each side means for it.
 */
export function decisionPayloadType(
  name: string,
  describe: { readonly sessionAgent: string; readonly operation: string },
) {
  return builder.objectRef<DecisionPayload>(name).implement({
    fields: (t) => ({
      ok: t.boolean({ nullable: false, resolve: () => true }),
      sessionAgent: t.field({
        type: SessionAgentRef,
        nullable: true,
        description: describe.sessionAgent,
        resolve: (p) => p.sessionAgentKey ?? null,
      }),
      operation: t.field({
        type: AskOperationHubRef,
        nullable: true,
        description: describe.operation,
        resolve: (p) => p.operation ?? null,
      }),
    }),
  });
}
