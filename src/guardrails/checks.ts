import { validationErrors } from '../tools/json-schema.js';
import type { CheckOutcome, Finding, GuardrailCheck } from './model.js';
import { findPii, redactSpans } from './pii.js';

type Local = Exclude<GuardrailCheck, { type: 'bedrock' }>;

const finding = (check: GuardrailCheck, message: string, kind?: string): Finding => ({
  check: check.type,
  action: check.action,
  message,
  ...(kind && { kind }),
});

/** A JSON answer, bare or in a ```json fence (models often add one). */
export function parseJsonAnswer(text: string): { ok: true; value: unknown } | { ok: false } {
  const fenced = text.match(/```(?:json)?\s*([\s\S]*?)```/)?.[1];
  for (const candidate of [text, fenced]) {
    if (candidate === undefined) continue;
    try {
      return { ok: true, value: JSON.parse(candidate.trim()) };
    } catch {
      // try the next form
    }
  }
  return { ok: false };
}

const valueAt = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, part) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined),
      value,
    );

/**
 * The built-in checks: pure functions of the text (and the agent's
 * output_schema), so they cost microseconds and run anywhere.
 */
export function runLocalCheck(
  check: Local,
  text: string,
  context: { outputSchema?: Record<string, unknown> },
): CheckOutcome {
  switch (check.type) {
    case 'deny_regex': {
      const spans: { kind: string; start: number; end: number }[] = [];
      const findings: Finding[] = [];
      for (const source of check.patterns) {
        const pattern = new RegExp(source, `${check.flags.replace('g', '')}g`);
        for (const match of text.matchAll(pattern)) {
          if (match[0].length === 0) continue;
          spans.push({
            kind: 'redacted',
            start: match.index ?? 0,
            end: (match.index ?? 0) + match[0].length,
          });
          findings.push(finding(check, `matches a denied pattern`, source));
        }
      }
      return { findings, ...(spans.length && { redacted: redactSpans(text, spans) }) };
    }
    case 'pii': {
      const spans = findPii(text, check.kinds);
      return {
        findings: spans.map((s) =>
          finding(check, `contains ${s.kind === 'iban' ? 'an' : 'a'} ${s.kind}`, s.kind),
        ),
        ...(spans.length && { redacted: redactSpans(text, spans) }),
      };
    }
    case 'max_length':
      return text.length <= check.max
        ? { findings: [] }
        : {
            findings: [finding(check, `is ${text.length} characters, more than ${check.max}`)],
            redacted: text.slice(0, check.max),
          };
    case 'output_schema': {
      const schema = check.schema ?? context.outputSchema;
      if (!schema) return { findings: [finding(check, 'the agent declares no output_schema')] };
      const parsed = parseJsonAnswer(text);
      if (!parsed.ok) return { findings: [finding(check, 'is not JSON')] };
      const errors = validationErrors(schema, parsed.value);
      return {
        findings: errors.slice(0, 10).map((e) => finding(check, `does not match output_schema: ${e}`)),
      };
    }
    case 'min_confidence': {
      const parsed = parseJsonAnswer(text);
      const confidence = parsed.ok ? valueAt(parsed.value, check.path) : undefined;
      if (typeof confidence !== 'number')
        return { findings: [finding(check, `has no numeric ${check.path}`)] };
      return confidence >= check.min
        ? { findings: [] }
        : { findings: [finding(check, `${check.path} ${confidence} is below ${check.min}`)] };
    }
  }
}

/** Checks that can judge a part of a streamed answer on its own (the `paragraph` checkpoint). */
export const judgesParts = (check: GuardrailCheck) =>
  check.type === 'deny_regex' || check.type === 'pii' || check.type === 'max_length';
