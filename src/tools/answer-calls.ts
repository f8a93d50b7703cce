import type { NewSessionEvent } from '../events/session-events.js';
import { executeToolSpan } from '../telemetry/genai.js';
import type { CallRecord, RunRecord, ToolOutcome } from './call-store.js';
import type { ToolRunContext } from './context.js';
import { resultText, type ToolCall, type ToolMessage } from './conversation.js';
import { type PendingToolCall, toolCallEvent, toolResultEvent } from './events.js';
import { validationErrors } from './json-schema.js';
import type { ResolvedTool } from './toolbox.js';

export const OUTCOME_UNKNOWN =
  'outcome unknown: the worker died while this call was in flight; it was not repeated because the tool is not idempotent';

export interface AnsweredCalls {
  readonly messages: ToolMessage[];
  readonly pending: PendingToolCall[];
}

/**
 * Answers one model turn's tool calls, concurrently, each exactly once:
 * the call is written (keyed by run and call id) before it is made and its
 * result after, so whatever was already stored is reused. Calls that need
 * approval and have no decision yet are returned as pending.
 */
export async function answerToolCalls(
  context: ToolRunContext,
  tools: readonly ResolvedTool[],
  calls: readonly ToolCall[],
  stored: RunRecord | undefined,
  signal?: AbortSignal,
): Promise<AnsweredCalls> {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const answers = await Promise.all(
    calls.map((call) => answerOne(context, byName.get(call.name), call, stored?.calls.get(call.id), signal)),
  );
  const messages: ToolMessage[] = [];
  const pending: PendingToolCall[] = [];
  answers.forEach((answer, i) => {
    const call = calls[i] as ToolCall;
    if (answer === 'pending') pending.push({ call_id: call.id, tool: call.name, arguments: call.arguments });
    else
      messages.push({
        role: 'tool',
        tool_call_id: call.id,
        name: call.name,
        content: resultText(answer.value),
        ...(!answer.ok && { is_error: true }),
      });
  });
  return { messages, pending };
}

function argumentProblem(tool: ResolvedTool | undefined, name: string, args: unknown): string | null {
  if (!tool) return `unknown tool "${name}"`;
  if (typeof args === 'string') return 'invalid arguments: not a JSON object';
  const errors = validationErrors(tool.parameters, args);
  return errors.length > 0 ? `invalid arguments: ${errors.join('; ')}` : null;
}

async function answerOne(
  context: ToolRunContext,
  tool: ResolvedTool | undefined,
  call: ToolCall,
  known: CallRecord | undefined,
  signal: AbortSignal | undefined,
): Promise<ToolOutcome | 'pending'> {
  const identity = {
    run_uuid: context.runUuid,
    call_id: call.id,
    tool: call.name,
    ...(context.sessionAgentUuid && { session_agent_uuid: context.sessionAgentUuid }),
  };
  const finish = async (
    record: CallRecord,
    outcome: ToolOutcome,
    extra = {},
  ): Promise<ToolOutcome | 'pending'> => {
    if (
      await context.calls.transition(context.tenant, context.runUuid, call.id, record.status, {
        status: 'done',
        result: outcome,
        ...extra,
      })
    ) {
      await context.record([toolResultEvent(identity, outcome)]);
      return outcome;
    }
    return reread();
  };
  const execute = async (record: CallRecord, args: unknown): Promise<ToolOutcome | 'pending'> => {
    const resolved = tool as ResolvedTool;
    const outcome = await executeToolSpan(
      { toolName: call.name, toolType: resolved.type, callId: call.id },
      () =>
        resolved.invoke(args, {
          tenant: context.tenant,
          runUuid: context.runUuid,
          callId: call.id,
          ...(context.sessionUuid && { sessionUuid: context.sessionUuid }),
          ...(context.sessionAgentUuid && { sessionAgentUuid: context.sessionAgentUuid }),
          ...(signal && { signal }),
        }),
    );
    return finish({ ...record, status: 'started' }, outcome);
  };
  /** Someone else moved the call on: act on what is stored now. */
  const reread = async (): Promise<ToolOutcome | 'pending'> => {
    const now = await context.calls.getCall(context.tenant, context.runUuid, call.id);
    if (!now) throw new Error(`tool call ${call.id} vanished`);
    return continueFrom(now, false);
  };

  const continueFrom = async (record: CallRecord, fresh: boolean): Promise<ToolOutcome | 'pending'> => {
    switch (record.status) {
      case 'done':
        return record.result ?? { ok: false, value: 'no result stored' };
      case 'started': {
        if (fresh) return execute(record, record.arguments);
        // Found in flight by a later worker: its first worker died (or its lease ran out).
        if (tool?.idempotent) {
          const tookOver = await context.calls.transition(
            context.tenant,
            context.runUuid,
            call.id,
            'started',
            { status: 'started' },
            record.attempts,
          );
          return tookOver ? execute(record, record.arguments) : reread();
        }
        return finish(record, { ok: false, value: OUTCOME_UNKNOWN });
      }
      case 'awaiting_approval':
      case 'approved': {
        const decision = context.decisions?.[call.id];
        if (!decision) return 'pending';
        if (!decision.approve) {
          const reason = decision.reason ? `: ${decision.reason}` : '';
          return finish(record, { ok: false, value: `rejected by a person${reason}` }, { decision });
        }
        const args = decision.arguments ?? record.arguments;
        const problem = argumentProblem(tool, call.name, args);
        if (problem) return finish(record, { ok: false, value: problem }, { decision });
        const started = await context.calls.transition(
          context.tenant,
          context.runUuid,
          call.id,
          record.status,
          {
            status: 'started',
            arguments: args,
            decision,
          },
        );
        return started ? execute(record, args) : reread();
      }
    }
  };

  if (known) return continueFrom(known, false);
  const problem = argumentProblem(tool, call.name, call.arguments);
  const status = problem ? 'done' : tool?.needsApproval ? 'awaiting_approval' : 'started';
  const opened = await context.calls.openCall(context.tenant, {
    run_uuid: context.runUuid,
    call_id: call.id,
    tool: call.name,
    arguments: call.arguments,
    status,
    ...(problem && { result: { ok: false, value: problem } }),
  });
  if (!opened.created) return continueFrom(opened.record, false);
  const events: NewSessionEvent[] = [toolCallEvent({ ...identity, arguments: call.arguments, status })];
  if (problem) events.push(toolResultEvent(identity, { ok: false, value: problem }));
  // The event is appended while the tool runs (the record, written first, is what makes the call
  // exactly-once); the log keeps it before the result's event, which is appended after it.
  const recorded = context.record(events);
  const [answer] = await Promise.all([continueFrom(opened.record, true), recorded]);
  return answer;
}
