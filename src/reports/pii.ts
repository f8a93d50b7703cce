/**
 * PII masking for merged reports: a small, pure set of detectors. The issue-13
 * guardrails (src/guardrails/) bring the engine's shared detectors; this
 * module keeps the same shape (text in, masked text and counts out) so the
 * report merge can take theirs as its `mask` parameter instead.
 */
export type PiiKind = 'EMAIL' | 'CARD' | 'IBAN' | 'SSN' | 'PHONE' | 'IPV4';

export interface MaskResult {
  readonly text: string;
  readonly found: Partial<Record<PiiKind, number>>;
}

export type PiiMasker = (text: string) => MaskResult;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Most specific first: a card number is not also masked as a phone number. */
const DETECTORS: readonly { kind: PiiKind; pattern: RegExp; accept?: (match: string) => boolean }[] = [
  { kind: 'EMAIL', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  {
    kind: 'CARD',
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    accept: (m) => luhnValid(m.replace(/[ -]/g, '')),
  },
  { kind: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g },
  { kind: 'SSN', pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  {
    kind: 'PHONE',
    // International (+CC ...), bracketed area code, or the 3-3-4 form: a bare run of digits is a
    // statistic more often than a phone number.
    pattern:
      /(?<![\w.+])(?:\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}|\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}|\d{3}[.-]\d{3}[.-]\d{4})(?!\w)/g,
  },
  { kind: 'IPV4', pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
];

export const maskPii: PiiMasker = (input) => {
  const found: Partial<Record<PiiKind, number>> = {};
  let text = input;
  for (const { kind, pattern, accept } of DETECTORS) {
    text = text.replace(pattern, (match) => {
      if (accept && !accept(match)) return match;
      found[kind] = (found[kind] ?? 0) + 1;
      return `[${kind}]`;
    });
  }
  return { text, found };
};
