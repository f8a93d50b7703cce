import { type AgentTrace, canonicalJson, type MergedReport } from './merge-report.js';

const cell = (value: unknown) =>
  String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .trim();

function citationLine(citation: Record<string, unknown>): string {
  const { query_id, dataset_id, title, url } = citation;
  const label = [title, url].filter((v) => typeof v === 'string' && v).join(' — ');
  return `- \`${query_id}\` · \`${dataset_id}\`${label ? `: ${label}` : ''}`;
}

function tracesTable(traces: readonly AgentTrace[]): string {
  const rows = traces.map(
    (t) =>
      `| ${cell(t.agent_name)} | ${cell(t.intent)} | ${t.elapsed_ms ?? ''} | ${t.attempts} | ${t.success ? 'yes' : 'no'} | ${cell(t.error)} |`,
  );
  return [
    '| Agent | Intent | Elapsed ms | Attempts | Success | Error |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The merged report as markdown, canonical section order; empty sections are left out. */
export function renderMarkdown(report: MergedReport): string {
  const blocks: string[] = [`# ${report.title}`, `Status: ${report.ok ? 'ok' : 'not ok'}`];
  for (const section of report.sections) {
    const body: string[] = [];
    for (const part of section.parts) {
      body.push(part.title === section.title ? part.body : `### ${part.title}\n\n${part.body}`);
    }
    if (section.title === 'Citations' && report.citations.length > 0) {
      body.unshift(report.citations.map((c) => citationLine(c)).join('\n'));
    }
    if (section.title === 'Reproducibility') {
      const sources = Object.entries(report.freshness);
      if (sources.length > 0)
        body.push(
          `Data freshness (latest per source):\n\n${sources.map(([s, t]) => `- ${s}: ${t}`).join('\n')}`,
        );
      if (report.agent_traces.length > 0) body.push(`Agent traces:\n\n${tracesTable(report.agent_traces)}`);
    }
    if (section.title === 'Warnings' && report.warnings.length > 0) {
      body.push(report.warnings.map((w) => `- ${w}`).join('\n'));
    }
    if (body.length > 0) blocks.push(`## ${section.title}`, ...body);
  }
  return `${blocks.join('\n\n')}\n`;
}

/** The merged report as canonical JSON (sorted keys), for successors that read structure. */
export function renderJson(report: MergedReport): string {
  return canonicalJson(
    {
      title: report.title,
      ok: report.ok,
      sections: report.sections
        .filter((s) => s.parts.length > 0)
        .map((s) => ({ title: s.title, parts: s.parts.map((p) => ({ title: p.title, body: p.body })) })),
      citations: report.citations,
      freshness: report.freshness,
      warnings: report.warnings,
      agent_traces: report.agent_traces,
      pii_masked: report.pii_masked,
    },
    2,
  );
}
