import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ToolOutcome } from './call-store.js';
import type { ToolEgress } from './egress.js';
import type { LambdaToolSpec } from './spec.js';

/** What a `lambda` tool's function receives. */
export interface LambdaToolPayload {
  readonly arguments: unknown;
  readonly session_uuid: string | null;
  readonly session_agent_uuid: string | null;
  readonly run_uuid: string;
  readonly call_id: string;
  readonly endpoint_id: string;
  readonly part_id: string;
}

/**
 * A `lambda` tool call: Invoke (RequestResponse) with the arguments and the
 * call's identity. The name is checked against ACE_TOOL_LAMBDA_PREFIX at
 * every call too (the operator may have narrowed it since the spec was
 * written); a FunctionError is a tool error with the function's message.
 */
export async function callLambdaTool(
  deps: { lambda: LambdaClient; egress: ToolEgress },
  spec: LambdaToolSpec,
  payload: LambdaToolPayload,
  signal?: AbortSignal,
): Promise<ToolOutcome> {
  const refused = deps.egress.checkLambdaFunctionName(spec.function_name);
  if (refused) return { ok: false, value: `lambda tool refused: ${refused}` };
  const out = await deps.lambda.send(
    new InvokeCommand({
      FunctionName: spec.function_name,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
    signal ? { abortSignal: signal } : {},
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  let value: unknown = text;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = text;
  }
  if (out.FunctionError) {
    const message = (value as { errorMessage?: string } | null)?.errorMessage ?? text;
    return { ok: false, value: `lambda ${spec.function_name} failed (${out.FunctionError}): ${message}` };
  }
  return { ok: true, value };
}
