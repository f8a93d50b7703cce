import type { AgentRunRequest } from '../runtimes/port.js';
import type { LoopOutcome } from '../tools/loop.js';

/**
 * The loop's final answer through the request's output guardrails, before the
 * runtime keeps the exchange: the transcript's answer becomes the guarded
 * (maybe redacted) text; a guard that throws keeps nothing. Runs that stopped
 * for tool approvals have no answer yet.
 */
export async function guardOutcome(request: AgentRunRequest, outcome: LoopOutcome): Promise<LoopOutcome> {
  if (!request.guardOutput || outcome.pendingToolCalls) return outcome;
  const output = await request.guardOutput(outcome.output);
  if (output === outcome.output) return outcome;
  const transcript = [...outcome.transcript];
  const last = transcript.findLastIndex((m) => m.role === 'assistant');
  const answer = transcript[last];
  if (answer?.role === 'assistant') transcript[last] = { ...answer, content: output };
  return { ...outcome, output, transcript };
}
