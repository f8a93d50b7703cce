import type { AgentRunRequest, AgentRunResult, AgentRuntime } from '../runtimes/port.js';
import {
  describeFindings,
  type EvaluateContext,
  evaluate,
  GuardrailBlockedError,
  GuardrailEscalation,
} from './evaluate.js';
import { createHeldStream } from './held-stream.js';
import type { Finding, Guardrails } from './model.js';

export interface GuardrailReport {
  readonly stage: 'input' | 'output';
  readonly verdict: string;
  readonly findings: readonly Finding[];
  readonly attempt: number;
}

export interface GuardOptions extends Omit<EvaluateContext, 'signal'> {
  /** Each evaluation that found something (the hubs record an event and keep it on the run). */
  readonly onFindings?: (report: GuardrailReport) => void | Promise<void>;
}

class RetryWanted extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super('output guardrails asked for another answer');
  }
}

export const retryInput = (input: string, findings: readonly Finding[]) =>
  `${input}\n\nYour previous answer was rejected by the output checks (${describeFindings(findings)}). Answer again, fixing this.`;

/**
 * An agent runtime with its guardrails: input checks before the call, output
 * checks on the whole answer before the runtime keeps it (guardOutput), the
 * streamed chunks held back until the answer passed, `retry` asking again
 * with the findings, `block` and `escalate` as typed errors.
 */
export function guardedRuntime(
  runtime: AgentRuntime,
  guardrails: Guardrails,
  options: GuardOptions,
): AgentRuntime {
  const report = async (r: GuardrailReport) => {
    if (r.findings.length) await options.onFindings?.(r);
  };
  return {
    kind: runtime.kind,
    async run(request: AgentRunRequest): Promise<AgentRunResult> {
      let input = request.input;
      if (guardrails.input.length) {
        const checked = await evaluate(guardrails.input, input, 'input', {
          ...options,
          signal: request.signal,
        });
        await report({ stage: 'input', verdict: checked.verdict, findings: checked.findings, attempt: 0 });
        if (checked.verdict === 'block') throw new GuardrailBlockedError('input', checked.findings);
        input = checked.text;
      }
      if (guardrails.output.length === 0) return runtime.run({ ...request, input });

      const held = request.onChunk ? createHeldStream(guardrails, request.onChunk) : undefined;
      let askInput = input;
      for (let attempt = 0; ; attempt++) {
        let guardedText: string | undefined;
        const guardOutput = async (output: string) => {
          const checked = await evaluate(guardrails.output, output, 'output', {
            ...options,
            signal: request.signal,
          });
          await report({ stage: 'output', verdict: checked.verdict, findings: checked.findings, attempt });
          if (checked.verdict === 'block') throw new GuardrailBlockedError('output', checked.findings);
          if (checked.verdict === 'escalate') throw new GuardrailEscalation(checked.findings, checked.text);
          if (checked.verdict === 'retry') {
            if (attempt >= guardrails.max_retries)
              throw new GuardrailBlockedError('output', checked.findings);
            throw new RetryWanted(checked.findings);
          }
          guardedText = checked.text;
          return checked.text;
        };
        try {
          const result = await runtime.run({
            ...request,
            input: askInput,
            guardOutput,
            ...(held && { onChunk: (chunk: string) => held.push(chunk) }),
          });
          // A runtime that does not call guardOutput (core engine): the answer is checked here.
          const output = guardedText ?? (await guardOutput(result.output));
          await held?.release(output);
          return { ...result, output };
        } catch (error) {
          if (!(error instanceof RetryWanted)) throw error;
          held?.reset();
          askInput = retryInput(input, error.findings);
        }
      }
    },
  };
}
