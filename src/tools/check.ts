import type { BuiltinRegistry } from './builtins.js';
import type { ToolEgress } from './egress.js';
import { schemaProblem } from './json-schema.js';
import { AgentToolSettingsSchema } from './spec.js';

/**
 * The write-time check of the agents' tool settings: each spec well formed,
 * its host or Lambda allowed by the operator now, builtins known, JSON
 * Schemas compilable. Each problem names the agent and the tool.
 */
export function toolSpecProblems(
  agents: readonly Record<string, unknown>[],
  deps: { egress: ToolEgress; builtins: BuiltinRegistry },
): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    const who = `agent ${String(agent.agent_name ?? agent.agent_uuid)}`;
    const parsed = AgentToolSettingsSchema.safeParse(agent);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${who}: ${issue.path.join('.')}: ${issue.message}`);
      }
      continue;
    }
    const { tools, output_schema } = parsed.data;
    if (output_schema) {
      const problem = schemaProblem(output_schema);
      if (problem) problems.push(`${who}: output_schema: ${problem}`);
    }
    tools.forEach((spec, i) => {
      const name = 'name' in spec ? spec.name : spec.url;
      const where = `${who}: tool ${name} (tools.${i})`;
      if (spec.type === 'http' || spec.type === 'mcp') {
        const refused = spec && deps.egress.checkUrl(spec.url);
        if (refused) problems.push(`${where}: ${refused}`);
      }
      if (spec.type === 'lambda') {
        const refused = deps.egress.checkLambdaFunctionName(spec.function_name);
        if (refused) problems.push(`${where}: ${refused}`);
      }
      if (spec.type === 'builtin' && !deps.builtins.get(spec.name)) {
        problems.push(`${where}: unknown builtin (known: ${deps.builtins.names().join(', ')})`);
      }
      if (spec.type === 'http' || spec.type === 'lambda') {
        const problem = schemaProblem(spec.parameters);
        if (problem) problems.push(`${where}: parameters: ${problem}`);
      }
    });
  }
  return problems;
}
