import * as z from 'zod';
import { ValidationError } from '../errors.js';

/** A person's answer to an escalated output: approve it, replace it, or reject it. */
export const EscalationDecisionSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve') }),
  z.object({ decision: z.literal('edit'), output: z.string().min(1).max(400_000) }),
  z.object({ decision: z.literal('reject'), reason: z.string().max(4096).optional() }),
]);
export type EscalationDecision = z.infer<typeof EscalationDecisionSchema>;

/** `approve`, `reject`, or JSON `{"decision": "edit", "output": "..."}` (executeForUserInput's text). */
export function parseEscalationDecision(userInput: string): EscalationDecision {
  const text = userInput.trim();
  let value: unknown = { decision: text.toLowerCase() };
  if (text.startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ValidationError('userInput is not valid JSON');
    }
  }
  const parsed = EscalationDecisionSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(
      'an escalated output needs a decision: "approve", "reject", or {"decision":"edit","output":"..."}',
    );
  return parsed.data;
}

/** The notes a decision leaves on the agent or the run. */
export const decisionNotes = (decision: EscalationDecision) =>
  decision.decision === 'reject'
    ? `escalated output rejected${decision.reason ? `: ${decision.reason}` : ''}`
    : `escalated output ${decision.decision === 'edit' ? 'edited' : 'approved'}`;
