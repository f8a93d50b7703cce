import type { PiiKind } from './model.js';

export interface PiiMatch {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** The Luhn checksum every payment card number satisfies (cuts false positives on long numbers). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/\s/g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const DETECTORS: readonly { kind: PiiKind; pattern: RegExp; valid: (text: string) => boolean }[] = [
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, valid: ibanValid },
  {
    kind: 'card',
    pattern: /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g,
    valid: (text) => luhnValid(digitsOf(text)),
  },
  {
    kind: 'email',
    pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
    valid: () => true,
  },
  {
    kind: 'phone',
    pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}(?![\w])/g,
    valid: (text) => {
      const n = digitsOf(text).length;
      return n >= 7 && n <= 15;
    },
  },
];

/** PII spans, the more specific kinds first (an IBAN or a card is never also reported as a phone number). */
export function findPii(text: string, kinds: readonly PiiKind[]): PiiMatch[] {
  const found: PiiMatch[] = [];
  const overlaps = (start: number, end: number) => found.some((m) => start < m.end && end > m.start);
  for (const detector of DETECTORS) {
    if (!kinds.includes(detector.kind)) continue;
    for (const match of text.matchAll(detector.pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (!overlaps(start, end) && detector.valid(match[0])) found.push({ kind: detector.kind, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Each span replaced by a placeholder naming its kind: `[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`. */
export function redactSpans(text: string, spans: readonly { kind: string; start: number; end: number }[]) {
  let out = '';
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    out += `${text.slice(at, span.start)}[${span.kind.toUpperCase()}]`;
    at = span.end;
  }
  return out + text.slice(at);
}
