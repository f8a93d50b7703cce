import {
  type PendingToolCall,
  sessionEvent,
  type ToolApprovalRequestedEvent,
  type ToolCallEvent,
  type ToolCallsDecidedEvent,
  type ToolResultEvent,
} from '../events/session-events.js';
import type { ToolOutcome } from './call-store.js';
import { resultText } from './conversation.js';

export type { PendingToolCall };

/**
 * The tool loop's session events, built by the events module's typed
 * constructors. Results are cut for the event (the log is for watching and
 * replay); the full value stays in the tool_calls table.
 */
export const EVENT_RESULT_CHARS = 2_000;

interface CallIdentity {
  readonly run_uuid: string;
  readonly call_id: string;
  readonly tool: string;
  readonly session_agent_uuid?: string;
}

export function toolCallEvent(call: CallIdentity & { arguments: unknown; status: string }): ToolCallEvent {
  return sessionEvent.toolCall({ ...call });
}

export function toolResultEvent(call: CallIdentity, outcome: ToolOutcome): ToolResultEvent {
  const text = resultText(outcome.value);
  const truncated = text.length > EVENT_RESULT_CHARS;
  return sessionEvent.toolResult({
    ...call,
    ok: outcome.ok,
    result: truncated ? text.slice(0, EVENT_RESULT_CHARS) : text,
    truncated,
    result_chars: text.length,
  });
}

export function toolApprovalRequestedEvent(
  data: ToolApprovalRequestedEvent['data'],
): ToolApprovalRequestedEvent {
  return sessionEvent.toolApprovalRequested({ ...data });
}

export function toolCallsDecidedEvent(data: ToolCallsDecidedEvent['data']): ToolCallsDecidedEvent {
  return sessionEvent.toolCallsDecided({ ...data });
}
