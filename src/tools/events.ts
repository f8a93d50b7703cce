import type { NewSessionEvent } from '../events/event-log.js';
import type { ToolOutcome } from './call-store.js';
import { resultText } from './conversation.js';

/**
 * The tool loop's session events, one constructor each. Results are cut for
 * the event (the log is for watching and replay); the full value stays in
 * the tool_calls table.
 */
export const EVENT_RESULT_CHARS = 2_000;

interface CallIdentity {
  readonly run_uuid: string;
  readonly call_id: string;
  readonly tool: string;
  readonly session_agent_uuid?: string;
}

export function toolCallEvent(call: CallIdentity & { arguments: unknown; status: string }): NewSessionEvent {
  return { type: 'tool_call', data: { ...call } };
}

export function toolResultEvent(call: CallIdentity, outcome: ToolOutcome): NewSessionEvent {
  const text = resultText(outcome.value);
  const truncated = text.length > EVENT_RESULT_CHARS;
  return {
    type: 'tool_result',
    data: {
      ...call,
      ok: outcome.ok,
      result: truncated ? text.slice(0, EVENT_RESULT_CHARS) : text,
      truncated,
      result_chars: text.length,
    },
  };
}

export interface PendingToolCall {
  readonly call_id: string;
  readonly tool: string;
  readonly arguments: unknown;
}

export function toolApprovalRequestedEvent(data: {
  run_uuid: string;
  session_agent_uuid?: string;
  pending_tool_calls: readonly PendingToolCall[];
}): NewSessionEvent {
  return { type: 'tool_approval_requested', data: { ...data } };
}

export function toolCallsDecidedEvent(data: {
  run_uuid: string;
  session_agent_uuid?: string;
  decisions: readonly { call_id: string; approve: boolean; edited: boolean; reason?: string }[];
}): NewSessionEvent {
  return { type: 'tool_calls_decided', data: { ...data } };
}
