import { ConflictError, ValidationError } from '../errors.js';
import type { Decision } from './call-store.js';

/** A person's answer to one pending tool call (decideToolCalls), in GraphQL's camelCase. */
export interface ToolCallDecisionInput {
  readonly callId: string;
  readonly approve: boolean;
  /** Edited arguments to call the tool with instead of the model's. */
  readonly arguments?: unknown;
  readonly reason?: string | null;
}

/** Every pending call decided once, nothing else: the model gets an answer to each of its calls. */
export function decisionsFor(
  pending: readonly { call_id: string }[],
  decisions: readonly ToolCallDecisionInput[],
): Record<string, Decision> {
  const pendingIds = new Set(pending.map((p) => p.call_id));
  const out: Record<string, Decision> = {};
  for (const d of decisions) {
    if (!pendingIds.has(d.callId))
      throw new ConflictError(`tool call ${d.callId} is not waiting for a decision`, { call_id: d.callId });
    if (out[d.callId])
      throw new ValidationError(`tool call ${d.callId} is decided twice`, { call_id: d.callId });
    out[d.callId] = {
      approve: d.approve,
      ...(d.arguments !== undefined && d.arguments !== null && { arguments: d.arguments }),
      ...(d.reason && { reason: d.reason }),
    };
  }
  const missing = [...pendingIds].filter((id) => !out[id]);
  if (missing.length > 0)
    throw new ValidationError(`decide every pending tool call; missing: ${missing.join(', ')}`, { missing });
  return out;
}
