import { AgentRuntimeError } from '../runtimes/port.js';
import type { ApplyBedrockGuardrail } from './bedrock-guardrail.js';
import { runLocalCheck } from './checks.js';
import type { Finding, GuardrailCheck } from './model.js';

export type Verdict = 'pass' | 'redacted' | 'block' | 'retry' | 'escalate';

export interface Evaluation {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** The text to use: redacted where a `redact` check found something. */
  readonly text: string;
}

export interface EvaluateContext {
  readonly outputSchema?: Record<string, unknown>;
  readonly bedrock?: ApplyBedrockGuardrail;
  readonly signal?: AbortSignal;
}

/**
 * Runs the checks in order; each `redact` check passes its masked text to
 * the next. The strongest action with findings decides:
 * block > escalate > retry > redact.
 */
export async function evaluate(
  checks: readonly GuardrailCheck[],
  text: string,
  stage: 'input' | 'output',
  context: EvaluateContext,
): Promise<Evaluation> {
  let current = text;
  const findings: Finding[] = [];
  for (const check of checks) {
    const outcome =
      check.type === 'bedrock'
        ? await bedrockOf(context)(check, current, stage === 'input' ? 'INPUT' : 'OUTPUT', context.signal)
        : runLocalCheck(check, current, context);
    if (outcome.findings.length === 0) continue;
    findings.push(...outcome.findings);
    if (check.action === 'redact') {
      // A check that cannot mask (schema, confidence) and asks to redact blocks instead.
      if (outcome.redacted === undefined) findings.push({ ...outcome.findings[0]!, action: 'block' });
      else current = outcome.redacted;
    }
  }
  const has = (action: Finding['action']) => findings.some((f) => f.action === action);
  const verdict: Verdict = has('block')
    ? 'block'
    : has('escalate')
      ? 'escalate'
      : has('retry')
        ? 'retry'
        : findings.length
          ? 'redacted'
          : 'pass';
  return { verdict, findings, text: current };
}

function bedrockOf(context: EvaluateContext): ApplyBedrockGuardrail {
  if (!context.bedrock) throw new Error('a bedrock guardrail check needs the Bedrock guardrail adapter');
  return context.bedrock;
}

export const describeFindings = (findings: readonly Finding[]) =>
  findings.map((f) => `${f.check}${f.kind ? ` (${f.kind})` : ''}: ${f.message}`).join('; ');

/** The agent's answer (or input) was blocked by a guardrail: the agent fails with the findings. */
export class GuardrailBlockedError extends AgentRuntimeError {
  constructor(
    readonly stage: 'input' | 'output',
    readonly findings: readonly Finding[],
  ) {
    super(`guardrail blocked the ${stage}: ${describeFindings(findings)}`, false);
    this.name = 'GuardrailBlockedError';
  }
}

/** The answer needs a person: the agent waits for user input with the findings and the held answer. */
export class GuardrailEscalation extends AgentRuntimeError {
  constructor(
    readonly findings: readonly Finding[],
    readonly heldOutput: string,
  ) {
    super(`guardrail escalated the output to a person: ${describeFindings(findings)}`, false);
    this.name = 'GuardrailEscalation';
  }
}
