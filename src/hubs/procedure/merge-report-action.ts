import { mergeReport } from '../../reports/merge-report.js';
import type { PiiMasker } from '../../reports/pii.js';
import { renderJson, renderMarkdown } from '../../reports/render-report.js';
import { readReportInput } from '../../reports/report-input.js';
import type { ActionAgentView, ActionFunction } from './actions.js';

/**
 * `{name: "merge_report", title?, format?: "markdown" | "json",
 * include_own_output?, include_traces?}`: the seed's deterministic report
 * over the predecessors' outputs (structured JSON reports, or text split at
 * its headings), with the session's agent traces in Reproducibility.
 */
export function createMergeReportAction(deps: { mask?: PiiMasker } = {}): ActionFunction {
  return async (spec, context) => {
    const sources: ActionAgentView[] = [
      ...context.predecessors,
      ...(spec.include_own_output === false ? [] : [context.sessionAgent]),
    ];
    const inputs = sources
      .filter((s) => s !== context.sessionAgent || (s.agent_output ?? '').trim() !== '')
      .map((s) => readReportInput(s.agent_name ?? s.agent_uuid, s.agent_output, s.state === 'failed'));
    const traces = spec.include_traces === false || !context.agentTraces ? [] : await context.agentTraces();
    const report = mergeReport(inputs, {
      ...(typeof spec.title === 'string' && { title: spec.title }),
      traces,
      ...(deps.mask && { mask: deps.mask }),
    });
    const output = spec.format === 'json' ? renderJson(report) : renderMarkdown(report);
    return {
      agent_output: output,
      notes: report.ok ? 'report merged' : `report merged with ${report.warnings.length} warning(s); not ok`,
    };
  };
}
