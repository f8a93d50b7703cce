import { runLocalCheck } from './checks.js';
import type { GuardrailCheck, Guardrails } from './model.js';

type Emit = (chunk: string) => void | Promise<void>;

/**
 * Streamed chunks held back until the output guardrails passed. `answer`
 * releases nothing before the whole answer passed; `paragraph` releases each
 * finished paragraph that the part checks (deny_regex, pii, max_length over
 * what was released) find nothing in, and holds everything from the first
 * paragraph with a finding on. Answers with whole-answer checks (schema,
 * confidence, Bedrock) are always held whole.
 */
export function createHeldStream(guardrails: Guardrails, emit: Emit) {
  const checks = guardrails.output;
  const partsOnly = checks.every(
    (c) => c.type === 'deny_regex' || c.type === 'pii' || c.type === 'max_length',
  );
  const byParagraph = guardrails.stream_checkpoint === 'paragraph' && partsOnly;
  let chunks: string[] = [];
  let pending = '';
  let released = '';
  let holding = false;

  const passes = (text: string, releasedSoFar: number) =>
    checks.every((check: GuardrailCheck) => {
      if (check.type === 'max_length') return releasedSoFar + text.length <= check.max;
      if (check.type === 'deny_regex' || check.type === 'pii')
        return runLocalCheck(check, text, {}).findings.length === 0;
      return false;
    });

  return {
    async push(chunk: string) {
      chunks.push(chunk);
      if (!byParagraph || holding) return;
      pending += chunk;
      let cut = pending.indexOf('\n\n');
      while (cut >= 0 && !holding) {
        const paragraph = pending.slice(0, cut + 2);
        if (!passes(paragraph, released.length)) {
          holding = true;
          break;
        }
        pending = pending.slice(cut + 2);
        released += paragraph;
        await emit(paragraph);
        cut = pending.indexOf('\n\n');
      }
    },
    /** A retried answer starts over (nothing of the rejected one was released in `answer` mode). */
    reset() {
      chunks = [];
      pending = '';
      if (released.length === 0) holding = false;
    },
    /** What was released before the end (paragraph mode): a retry cannot take it back. */
    get released() {
      return released;
    },
    /** The answer passed, as `final` (maybe redacted): release what was held. */
    async release(final: string) {
      if (!byParagraph && final === chunks.join('')) {
        for (const chunk of chunks) await emit(chunk);
        return;
      }
      const rest = final.startsWith(released) ? final.slice(released.length) : final;
      if (rest) await emit(rest);
    },
  };
}
