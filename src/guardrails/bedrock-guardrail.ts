import {
  ApplyGuardrailCommand,
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
} from '@aws-sdk/client-bedrock-runtime';
import type { CredentialSource } from '../runtimes/credentials.js';
import type { CheckOutcome, Finding, GuardrailCheck } from './model.js';

type BedrockCheck = Extract<GuardrailCheck, { type: 'bedrock' }>;

export interface BedrockGuardrailDeps {
  readonly credentials: CredentialSource;
  /** Extra client settings (tests pass static credentials); Lambda uses its role. */
  readonly clientConfig?: Partial<BedrockRuntimeClientConfig>;
  readonly region?: string;
}

/**
 * Bedrock Guardrails through the standalone ApplyGuardrail API: the text is
 * assessed on its own (no model call). GUARDRAIL_INTERVENED is a finding per
 * assessed policy; the masked text Bedrock returns is the redaction.
 */
export function createBedrockGuardrail(deps: BedrockGuardrailDeps) {
  const clients = new Map<string, BedrockRuntimeClient>();
  async function clientFor(check: BedrockCheck) {
    const profile = check.credentials ?? 'default';
    const creds = await deps.credentials('bedrock', profile);
    const region = check.region ?? creds.region ?? deps.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const key = `${profile}|${region}`;
    let client = clients.get(key);
    if (!client) {
      client = new BedrockRuntimeClient({
        region,
        ...(creds.baseUrl && { endpoint: creds.baseUrl }),
        ...deps.clientConfig,
      });
      clients.set(key, client);
    }
    return client;
  }

  return async function applyGuardrail(
    check: BedrockCheck,
    text: string,
    source: 'INPUT' | 'OUTPUT',
    signal?: AbortSignal,
  ): Promise<CheckOutcome> {
    const client = await clientFor(check);
    const response = await client.send(
      new ApplyGuardrailCommand({
        guardrailIdentifier: check.guardrail_identifier,
        guardrailVersion: check.guardrail_version,
        source,
        content: [{ text: { text } }],
      }),
      { ...(signal && { abortSignal: signal }) },
    );
    if (response.action !== 'GUARDRAIL_INTERVENED') return { findings: [] };
    const findings: Finding[] = [];
    for (const assessment of response.assessments ?? []) {
      for (const [policy, detail] of Object.entries(assessment)) {
        if (detail && typeof detail === 'object') {
          findings.push({
            check: 'bedrock',
            action: check.action,
            message: `Bedrock ${policy} intervened`,
            kind: policy,
          });
        }
      }
    }
    if (findings.length === 0)
      findings.push({ check: 'bedrock', action: check.action, message: 'Bedrock guardrail intervened' });
    const masked = response.outputs?.map((o) => o.text ?? '').join('');
    return { findings, ...(masked !== undefined && masked.length > 0 && { redacted: masked }) };
  };
}
export type ApplyBedrockGuardrail = ReturnType<typeof createBedrockGuardrail>;
