import { describe, expect, it } from 'vitest';
import { type AgentTrace, mergeReport } from '../../src/reports/merge-report.js';
import { maskPii } from '../../src/reports/pii.js';
import { renderJson, renderMarkdown } from '../../src/reports/render-report.js';
import { type ReportInput, readReportInput } from '../../src/reports/report-input.js';

const labour = JSON.stringify({
  executive_summary: 'Unemployment among nationals fell to 3.1% in Q2.',
  sections: [
    {
      title: 'Labour market',
      body: 'Unemployment among nationals fell to 3.1% in Q2, the lowest since 2019.',
    },
    { title: 'Evidence', body: 'LFS Q2 microdata, weighted.' },
  ],
  citations: [
    { query_id: 'q-lfs', dataset_id: 'lfs-2024', title: 'Labour Force Survey' },
    { query_id: 'q-gdp', dataset_id: 'na-2024' },
  ],
  freshness: { lfs: '2024-07-01T00:00:00Z', national_accounts: '2024-05-01T00:00:00Z' },
  warnings: ['Q2 figures are provisional'],
  ok: true,
});
const economy = JSON.stringify({
  key_findings: ['Non-oil GDP grew 4.2% year on year.'],
  sections: [
    // Same title, same first 40 characters as labour's: one of them stays (the longer).
    { title: 'Labour market', body: 'Unemployment among nationals fell to 3.1% in Q2.' },
  ],
  citations: [
    { query_id: 'q-gdp', dataset_id: 'na-2024', title: 'National accounts', url: 'https://stats.example/na' },
  ],
  freshness: [{ source: 'national_accounts', timestamp: '2024-06-15T00:00:00Z' }],
  warnings: ['Q2 figures are provisional', 'Contact analyst at jane.doe@example.org or +44 20 7946 0958'],
  ok: true,
});
const plain = 'Hiring intentions rose in construction.\n\n## Risks\n\nOil price volatility.';

const views = [
  { source: 'labour', output: labour },
  { source: 'economy', output: economy },
  { source: 'writer', output: plain },
];
const traces: AgentTrace[] = [
  {
    agent_name: 'labour',
    agent_uuid: 'a1',
    session_agent_uuid: 's1',
    intent: 'labour market',
    elapsed_ms: 1200,
    attempts: 2,
    success: true,
    state: 'completed',
    error: null,
  },
  {
    agent_name: 'economy',
    agent_uuid: 'a2',
    session_agent_uuid: 's2',
    intent: 'gdp',
    elapsed_ms: 800,
    attempts: 1,
    success: true,
    state: 'completed',
    error: null,
  },
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const inputsOf = (list: typeof views): ReportInput[] =>
  list.map((v) => readReportInput(v.source, v.output, false));

describe('merge_report: the seed rules', () => {
  const report = mergeReport(inputsOf(views), { title: 'Labour brief', traces });
  const markdown = renderMarkdown(report);

  it('files sections in the canonical order, empty ones left out', () => {
    const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Executive Summary',
      'Key Findings',
      'Evidence',
      'Citations',
      'Reproducibility',
      'Warnings',
    ]);
  });

  it('de-duplicates sections by title and first 40 characters, keeping the longer body', () => {
    const labourMarket = report.sections
      .find((s) => s.title === 'Key Findings')
      ?.parts.filter((p) => p.title === 'Labour market');
    expect(labourMarket).toEqual([
      {
        title: 'Labour market',
        body: 'Unemployment among nationals fell to 3.1% in Q2, the lowest since 2019.',
      },
    ]);
  });

  it('de-duplicates citations by (query_id, dataset_id), sorted', () => {
    expect(report.citations.map((c) => [c.query_id, c.dataset_id])).toEqual([
      ['q-gdp', 'na-2024'],
      ['q-lfs', 'lfs-2024'],
    ]);
    expect(report.citations[0]).toMatchObject({ title: 'National accounts' });
  });

  it('keeps the latest timestamp per source', () => {
    expect(report.freshness).toEqual({
      lfs: '2024-07-01T00:00:00Z',
      national_accounts: '2024-06-15T00:00:00Z',
    });
  });

  it('masks PII and aggregates warnings once each', () => {
    expect(report.warnings).toEqual(['Contact analyst at [EMAIL] or [PHONE]', 'Q2 figures are provisional']);
    expect(markdown).not.toContain('jane.doe');
    expect(report.pii_masked).toEqual({ EMAIL: 1, PHONE: 1 });
  });

  it('falls back to text sections for plain outputs, split at headings', () => {
    const parts = report.sections.find((s) => s.title === 'Key Findings')?.parts ?? [];
    expect(parts).toContainEqual({ title: 'writer', body: 'Hiring intentions rose in construction.' });
    expect(parts).toContainEqual({ title: 'Risks', body: 'Oil price volatility.' });
  });

  it('puts the agent traces in Reproducibility', () => {
    const reproducibility = markdown.split('## Reproducibility')[1]?.split('## Warnings')[0] ?? '';
    expect(reproducibility).toContain('| economy | gdp | 800 | 1 | yes |  |');
    expect(reproducibility).toContain('- lfs: 2024-07-01T00:00:00Z');
  });

  it('is ok only when every input was ok', () => {
    expect(report.ok).toBe(true);
    const notOk = JSON.stringify({ sections: [{ title: 'X', body: 'partial' }], ok: false });
    const failed = mergeReport(inputsOf([...views, { source: 'late', output: notOk }]));
    expect(failed.ok).toBe(false);
    expect(failed.warnings).toContain('late did not complete successfully');
    expect(mergeReport([readReportInput('gone', '', false)]).ok).toBe(false);
    expect(mergeReport([readReportInput('crashed', 'half an answer', true)]).ok).toBe(false);
    expect(mergeReport([]).ok).toBe(false);
  });

  it('gives byte-identical output for every permutation of its inputs (markdown and JSON)', () => {
    const more = [...views, { source: 'econ-2', output: economy.replace('4.2%', '4.3%') }];
    const traceOrders = permutations(traces);
    const outputs = new Set<string>();
    const jsons = new Set<string>();
    for (const [i, order] of permutations(more).entries()) {
      const merged = mergeReport(inputsOf(order), { title: 'Labour brief', traces: traceOrders[i % 2] });
      outputs.add(renderMarkdown(merged));
      jsons.add(renderJson(merged));
    }
    expect(permutations(more)).toHaveLength(24);
    expect(outputs.size).toBe(1);
    expect(jsons.size).toBe(1);
  });
});

describe('PII detectors', () => {
  it.each([
    ['mail me: a.b+c@corp.example.com', 'mail me: [EMAIL]'],
    ['card 4111 1111 1111 1111 ok', 'card [CARD] ok'],
    ['not a card 4111 1111 1111 1112', 'not a card 4111 1111 1111 1112'],
    ['ssn 123-45-6789', 'ssn [SSN]'],
    ['IBAN GB82 WEST 1234 5698 7654 32', 'IBAN [IBAN]'],
    ['host 10.0.12.7 down', 'host [IPV4] down'],
    ['call +971 4 123 4567', 'call [PHONE]'],
    ['population 9876543210 and 3.1% in 2024-07-01', 'population 9876543210 and 3.1% in 2024-07-01'],
  ])('%s', (input, masked) => {
    expect(maskPii(input).text).toBe(masked);
  });
});
