import * as z from 'zod';
import { type EgressGuard, readTextCapped } from '../../egress/guard.js';
import type { Tenant } from '../../tenant.js';
import type { AgentTrace } from './agent-traces.js';
import { createMergeReportAction } from './merge-report-action.js';

/**
 * Action functions: run after an agent, while it is `pending`. Named, never
 * downloaded: a built-in by name (`{name: "merge_outputs"}`), a webhook
 * (`{type: "webhook", url}`), or another Lambda (`{type: "lambda", function_name}`).
 * Contract (the Python engine's `fn(session_agent, successors)`, as data):
 * given the agent, its predecessors and successors, return the agent's new
 * output and/or notes; throwing fails the agent with the reason.
 */
export interface ActionAgentView {
  readonly session_agent_uuid: string;
  readonly agent_uuid: string;
  readonly agent_name?: string | null;
  readonly subtask_query?: string | null;
  readonly agent_input?: string | null;
  readonly agent_output?: string | null;
  readonly user_input?: string | null;
  readonly state?: string;
}

export interface ActionContext {
  readonly tenant: Tenant;
  readonly sessionUuid: string;
  readonly sessionAgent: ActionAgentView;
  readonly predecessors: readonly ActionAgentView[];
  readonly successors: readonly ActionAgentView[];
  readonly signal?: AbortSignal;
  /** The session's agent traces, read from its stored records when asked (merge_report's reproducibility). */
  readonly agentTraces?: () => Promise<AgentTrace[]>;
}

export interface ActionResult {
  readonly agent_output?: string;
  readonly notes?: string;
}

export type ActionFunction = (spec: Record<string, unknown>, context: ActionContext) => Promise<ActionResult>;

export interface ActionRegistry {
  run(spec: Record<string, unknown>, context: ActionContext): Promise<ActionResult>;
}

export function hasActionFunction(spec: unknown): spec is Record<string, unknown> {
  return typeof spec === 'object' && spec !== null && Object.keys(spec).length > 0;
}

/**
 * Deterministic merge: each predecessor's output (then the agent's own) split
 * into paragraphs; a paragraph already seen (whitespace-insensitive) is
 * dropped; sections follow the DAG's order of predecessors.
 */
export const mergeOutputs: ActionFunction = async (spec, context) => {
  const seen = new Set<string>();
  const sections: string[] = [];
  const sources = [
    ...context.predecessors,
    ...(spec.include_own_output === false ? [] : [context.sessionAgent]),
  ];
  for (const source of sources) {
    const paragraphs = (source.agent_output ?? '')
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => {
        const normalized = p.replace(/\s+/g, ' ').toLowerCase();
        if (!normalized || seen.has(normalized)) return false;
        seen.add(normalized);
        return true;
      });
    if (paragraphs.length)
      sections.push(`## ${source.agent_name ?? source.agent_uuid}\n\n${paragraphs.join('\n\n')}`);
  }
  const title = typeof spec.title === 'string' ? spec.title : 'Report';
  return { agent_output: [`# ${title}`, ...sections].join('\n\n') };
};

function payloadOf(context: ActionContext) {
  return {
    session_uuid: context.sessionUuid,
    endpoint_id: context.tenant.endpointId,
    part_id: context.tenant.partId,
    session_agent: context.sessionAgent,
    predecessors: context.predecessors,
    successors: context.successors,
  };
}

function resultOf(body: unknown): ActionResult {
  if (typeof body === 'string') return { agent_output: body };
  if (body && typeof body === 'object') {
    const { agent_output, notes } = body as Record<string, unknown>;
    return {
      ...(typeof agent_output === 'string' && { agent_output }),
      ...(typeof notes === 'string' && { notes }),
    };
  }
  return {};
}

const WebhookSpecSchema = z.object({
  url: z.string({ error: 'webhook action needs a url' }),
  headers: z.record(z.string(), z.string()).optional(),
});

/** How much of a webhook's answer becomes agent_output at most. */
const WEBHOOK_MAX_ANSWER_BYTES = 1_048_576;

/** Invokes a Lambda by name with a JSON payload: its answer as text, and the FunctionError if it failed. */
export type InvokeLambda = (
  functionName: string,
  payload: unknown,
  signal?: AbortSignal,
) => Promise<{ readonly text: string; readonly functionError?: string }>;

export function createActionRegistry(
  deps: {
    /** `{type: "lambda"}` actions (the work queue's function has it: src/wiring/lambda-invoker.ts). */
    invokeLambda?: InvokeLambda;
    /** Every webhook and Lambda name goes through the egress guard; without it both are refused. */
    egress?: EgressGuard;
    builtins?: Record<string, ActionFunction>;
    maxAnswerBytes?: number;
  } = {},
): ActionRegistry {
  const builtins: Record<string, ActionFunction> = {
    merge_outputs: mergeOutputs,
    merge_report: createMergeReportAction(),
    ...deps.builtins,
  };
  const maxAnswerBytes = deps.maxAnswerBytes ?? WEBHOOK_MAX_ANSWER_BYTES;

  const webhook: ActionFunction = async (spec, context) => {
    const parsed = WebhookSpecSchema.safeParse(spec);
    if (!parsed.success) throw new Error(`webhook action: ${parsed.error.issues[0]?.message}`);
    if (!deps.egress) throw new Error('webhook actions need the egress guard');
    // Tenant-written url and headers: the guard checks both, pins the address and caps the answer.
    const response = await deps.egress.fetch(parsed.data.url, {
      method: 'POST',
      headers: { ...(parsed.data.headers ?? {}), 'content-type': 'application/json' },
      body: JSON.stringify(payloadOf(context)),
      maxResponseBytes: maxAnswerBytes,
      ...(context.signal && { signal: context.signal }),
    });
    const { text, truncated } = await readTextCapped(response, maxAnswerBytes);
    if (!response.ok) throw new Error(`webhook answered ${response.status}: ${text.slice(0, 500)}`);
    if (truncated)
      throw new Error(`webhook answer is larger than the ${maxAnswerBytes}-byte cap; it was cut there`);
    if (!text) return {};
    try {
      return resultOf(JSON.parse(text));
    } catch {
      return { agent_output: text };
    }
  };

  const lambda: ActionFunction = async (spec, context) => {
    const functionName = spec.function_name ?? spec.functionName;
    if (typeof functionName !== 'string') throw new Error('lambda action needs a function_name');
    if (!deps.invokeLambda)
      throw new Error('lambda actions need a Lambda client (they run from the work queue)');
    const refusal = deps.egress
      ? deps.egress.checkLambdaFunctionName(functionName)
      : 'lambda actions need the egress guard';
    if (refusal) throw new Error(`lambda action refused: ${refusal}`);
    const { text, functionError } = await deps.invokeLambda(functionName, payloadOf(context), context.signal);
    if (functionError)
      throw new Error(`lambda ${functionName} failed (${functionError}): ${text.slice(0, 500)}`);
    if (!text) return {};
    return resultOf(JSON.parse(text));
  };

  return {
    async run(spec, context) {
      if (spec.type === 'lambda') return lambda(spec, context);
      if (spec.type === 'webhook' || spec.name === 'webhook') return webhook(spec, context);
      const name = spec.name ?? spec.function_name;
      const fn = typeof name === 'string' ? builtins[name] : undefined;
      if (!fn) throw new Error(`unknown action function ${JSON.stringify(spec)}`);
      return fn(spec, context);
    },
  };
}
