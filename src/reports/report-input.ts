import * as z from 'zod';

/**
 * One predecessor's contribution to a merged report. A structured output is
 * a JSON object in the agent's output (the seed's agent report); anything
 * else is text, split into sections at its markdown headings.
 */
const SectionSchema = z
  .object({
    title: z.string().max(512),
    body: z.string().max(200_000).optional(),
    content: z.string().max(200_000).optional(),
  })
  .transform((s) => ({ title: s.title, body: s.body ?? s.content ?? '' }));

const CitationSchema = z.looseObject({
  query_id: z.union([z.string(), z.number()]).transform(String),
  dataset_id: z.union([z.string(), z.number()]).transform(String),
});
export type Citation = z.infer<typeof CitationSchema>;

const FreshnessSchema = z.union([
  z.record(z.string(), z.string()),
  z
    .array(
      z
        .object({
          source: z.string(),
          timestamp: z.string().optional(),
          last_updated: z.string().optional(),
          updated_at: z.string().optional(),
        })
        .transform((f) => [f.source, f.timestamp ?? f.last_updated ?? f.updated_at ?? ''] as const),
    )
    .transform((entries) => Object.fromEntries(entries.filter(([, t]) => t !== ''))),
]);

export const StructuredOutputSchema = z
  .object({
    title: z.string().max(512).optional(),
    executive_summary: z.string().max(200_000).optional(),
    key_findings: z
      .array(z.union([z.string(), SectionSchema]))
      .max(500)
      .optional(),
    evidence: z.union([z.string(), z.array(z.string())]).optional(),
    sections: z.array(SectionSchema).max(500).optional(),
    citations: z.array(CitationSchema).max(2000).optional(),
    warnings: z.array(z.string().max(10_000)).max(1000).optional(),
    freshness: FreshnessSchema.optional(),
    ok: z.boolean().optional(),
  })
  .refine(
    (o) =>
      o.sections !== undefined ||
      o.executive_summary !== undefined ||
      o.key_findings !== undefined ||
      o.citations !== undefined ||
      o.evidence !== undefined,
    'not a report',
  );

export interface ReportSection {
  readonly title: string;
  readonly body: string;
}

export interface ReportInput {
  /** The agent that produced it (text sections without a heading take its name). */
  readonly source: string;
  readonly sections: readonly ReportSection[];
  readonly citations: readonly Citation[];
  readonly warnings: readonly string[];
  readonly freshness: Readonly<Record<string, string>>;
  readonly ok: boolean;
}

/** Canonical section names; a heading matching one (any case) files its body there. */
export const CANONICAL_SECTIONS = [
  'Executive Summary',
  'Key Findings',
  'Evidence',
  'Citations',
  'Reproducibility',
  'Warnings',
] as const;

function textSections(source: string, text: string): ReportSection[] {
  const sections: ReportSection[] = [];
  let title = source;
  let lines: string[] = [];
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body) sections.push({ title, body });
    lines = [];
  };
  for (const line of text.split('\n')) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      flush();
      title = heading[1];
    } else lines.push(line);
  }
  flush();
  return sections;
}

/** Reads one agent's output: structured when it parses as a report, text otherwise. */
export function readReportInput(
  source: string,
  output: string | null | undefined,
  failed: boolean,
): ReportInput {
  const text = (output ?? '').trim();
  const empty = { source, sections: [], citations: [], warnings: [], freshness: {} };
  if (!text) {
    return { ...empty, warnings: [`${source} gave no output`], ok: false };
  }
  let json: unknown;
  try {
    json = text.startsWith('{') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = json === undefined ? undefined : StructuredOutputSchema.safeParse(json);
  if (!parsed?.success) {
    return { ...empty, sections: textSections(source, text), ok: !failed };
  }
  const report = parsed.data;
  const sections: ReportSection[] = [
    ...(report.executive_summary ? [{ title: 'Executive Summary', body: report.executive_summary }] : []),
    ...(report.key_findings ?? []).map((f) =>
      typeof f === 'string' ? { title: 'Key Findings', body: f } : f,
    ),
    ...[report.evidence ?? []].flat().map((body) => ({ title: 'Evidence', body })),
    ...(report.sections ?? []),
  ];
  return {
    source,
    sections,
    citations: report.citations ?? [],
    warnings: report.warnings ?? [],
    freshness: report.freshness ?? {},
    ok: report.ok !== false && !failed,
  };
}
