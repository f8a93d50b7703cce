import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvokeLambda } from '../hubs/procedure/actions.js';

/**
 * `InvokeLambda` over the SDK's Lambda client: only the work queue's function
 * (the full engine) builds it, so the ws and http bundles, which run no
 * action, carry no Lambda client.
 */
export function lambdaInvoker(client: LambdaClient): InvokeLambda {
  return async (functionName, payload, signal) => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
      { ...(signal && { abortSignal: signal }) },
    );
    return {
      text: out.Payload ? Buffer.from(out.Payload).toString('utf8') : '',
      ...(out.FunctionError && { functionError: out.FunctionError }),
    };
  };
}
