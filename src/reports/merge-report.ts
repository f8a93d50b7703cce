import { type MaskResult, maskPii, type PiiMasker } from './pii.js';
import { CANONICAL_SECTIONS, type Citation, type ReportInput, type ReportSection } from './report-input.js';

/** One agent's run as the report's reproducibility section shows it (see hubs/procedure/agent-traces.ts). */
export interface AgentTrace {
  readonly agent_name: string;
  readonly agent_uuid: string;
  readonly session_agent_uuid: string;
  readonly intent: string | null;
  readonly elapsed_ms: number | null;
  readonly attempts: number;
  readonly success: boolean;
  readonly state: string;
  readonly error: string | null;
}

type Canonical = (typeof CANONICAL_SECTIONS)[number];

export interface MergedReport {
  readonly title: string;
  readonly ok: boolean;
  /** Canonical order; each canonical section holds its (sub)sections, sorted. */
  readonly sections: readonly { title: Canonical; parts: readonly ReportSection[] }[];
  readonly citations: readonly Citation[];
  readonly freshness: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly agent_traces: readonly AgentTrace[];
  readonly pii_masked: Readonly<Record<string, number>>;
}

export interface MergeOptions {
  readonly title?: string;
  readonly traces?: readonly AgentTrace[];
  /** PII masking; the built-in detectors unless the guardrails' are given. */
  readonly mask?: PiiMasker;
}

/** Code-point order: the same on every machine and locale, unlike localeCompare. */
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/** JSON with object keys sorted at every level: equal values give equal bytes. */
export function canonicalJson(value: unknown, indent?: number): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort(byString)
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sortKeys(value), null, indent);
}

function maskDeep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, mask)]));
  return value;
}

/** Keeps one of each duplicate: the longest, then the smallest in code-point order (never the first seen). */
function dedupe<T>(items: readonly T[], keyOf: (item: T) => string, repr: (item: T) => string): T[] {
  const kept = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    const current = kept.get(key);
    if (current === undefined) {
      kept.set(key, item);
      continue;
    }
    const [a, b] = [repr(item), repr(current)];
    if (a.length > b.length || (a.length === b.length && byString(a, b) < 0)) kept.set(key, item);
  }
  return [...kept.values()];
}

function latest(a: string, b: string): string {
  const [ta, tb] = [Date.parse(a), Date.parse(b)];
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta > tb ? a : b;
  return byString(a, b) >= 0 ? a : b;
}

const canonicalOf = (title: string): Canonical | undefined =>
  CANONICAL_SECTIONS.find((c) => c.toLowerCase() === normalize(title));

/**
 * The seed's deterministic merge: sections filed under the canonical order
 * (Executive Summary, Key Findings, Evidence, Citations, Reproducibility,
 * Warnings), de-duplicated by title and their first 40 characters;
 * citations by (query_id, dataset_id); PII masked; the latest timestamp per
 * source; warnings aggregated; ok only when every input was ok. Nothing
 * depends on the order of `inputs`: every collection is sorted by content.
 */
export function mergeReport(inputs: readonly ReportInput[], options: MergeOptions = {}): MergedReport {
  const masker = options.mask ?? maskPii;
  const piiCounts: Record<string, number> = {};
  const mask = (text: string) => {
    const result: MaskResult = masker(text);
    for (const [kind, n] of Object.entries(result.found)) piiCounts[kind] = (piiCounts[kind] ?? 0) + (n ?? 0);
    return result.text;
  };

  const warnings: string[] = [];
  const filed = new Map<Canonical, ReportSection[]>(CANONICAL_SECTIONS.map((c) => [c, []]));
  const citations: Citation[] = [];
  const freshness: Record<string, string> = {};
  for (const input of inputs) {
    if (!input.ok) warnings.push(`${input.source} did not complete successfully`);
    warnings.push(...input.warnings.map(mask));
    for (const section of input.sections) {
      const title = mask(section.title.trim());
      const body = mask(section.body.trim());
      if (!body) continue;
      const canonical = canonicalOf(title);
      if (canonical === 'Warnings') {
        warnings.push(...body.split('\n').map((line) => line.replace(/^\s*[-*]\s+/, '')));
        continue;
      }
      filed.get(canonical ?? 'Key Findings')?.push({ title: canonical ?? title, body });
    }
    for (const citation of input.citations) citations.push(maskDeep(citation, mask) as Citation);
    for (const [source, at] of Object.entries(input.freshness)) {
      const current = freshness[source];
      freshness[source] = current === undefined ? at : latest(current, at);
    }
  }

  const sectionKey = (s: ReportSection) => `${normalize(s.title)}\u0000${normalize(s.body).slice(0, 40)}`;
  const sections = CANONICAL_SECTIONS.map((title) => ({
    title,
    parts: dedupe(filed.get(title) ?? [], sectionKey, (s) => s.body).sort(
      (a, b) => byString(normalize(a.title), normalize(b.title)) || byString(a.body, b.body),
    ),
  }));
  const citationKey = (c: Citation) => `${c.query_id}\u0000${c.dataset_id}`;
  const mergedCitations = dedupe(citations, citationKey, (c) => canonicalJson(c)).sort(
    (a, b) => byString(a.query_id, b.query_id) || byString(a.dataset_id, b.dataset_id),
  );
  const mergedWarnings = [
    ...new Set(warnings.map((w) => w.replace(/\s+/g, ' ').trim()).filter(Boolean)),
  ].sort(byString);
  const traces = [...(options.traces ?? [])]
    .map((t) => ({ ...t, error: t.error === null ? null : mask(t.error) }))
    .sort(
      (a, b) => byString(a.agent_name, b.agent_name) || byString(a.session_agent_uuid, b.session_agent_uuid),
    );

  return {
    title: mask(options.title ?? 'Report'),
    ok: inputs.length > 0 && inputs.every((i) => i.ok),
    sections,
    citations: mergedCitations,
    freshness: Object.fromEntries(
      Object.keys(freshness)
        .sort(byString)
        .map((s) => [s, freshness[s] as string]),
    ),
    warnings: mergedWarnings,
    agent_traces: traces,
    pii_masked: Object.fromEntries(
      Object.keys(piiCounts)
        .sort(byString)
        .map((k) => [k, piiCounts[k] as number]),
    ),
  };
}
