import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/**
 * Secrets from AWS Secrets Manager, read once when a Lambda container starts
 * (GetSecretValue on each secret named in ACE_SECRET_IDS), never written into
 * the template or the functions' plain environment.
 *
 * Each secret's SecretString is a JSON object of environment-style names, e.g.
 * `{"JWT_SECRET": "...", "ACE_OPENAI_API_KEY": "sk-...", "ACE_CORE_ENGINE_API_KEY": "..."}`.
 * Only names the engine reads as secrets are accepted (SECRET_NAME below), so a
 * secret cannot silently change unrelated settings such as table names.
 * Later secrets win over earlier ones; secrets win over the plain environment.
 *
 * The client is imported only when secrets are configured, and the bundles leave it to the Lambda
 * runtime's own SDK (infra/constructs/handler-function.ts): a function without secrets pays nothing.
 */
export const SECRET_NAME =
  /^(JWT_SECRET|ACE_PAGE_TOKEN_SECRET|ACE_(OPENAI|BEDROCK|CORE_ENGINE|SCRIPTED)(_[A-Z0-9]+)?_(API_KEY|BASE_URL|REGION))$/;

const SecretValuesSchema = z.record(z.string(), z.string());

export interface SecretEnvironmentDeps {
  readonly client: Pick<SecretsManagerClient, 'send'>;
  readonly secretIds: readonly string[];
}

export async function loadSecretEnvironment(deps: SecretEnvironmentDeps): Promise<Record<string, string>> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const values: Record<string, string> = {};
  const answers = await Promise.all(
    deps.secretIds.map(async (secretId) => ({
      secretId,
      answer: await deps.client.send(new GetSecretValueCommand({ SecretId: secretId })),
    })),
  );
  for (const { secretId, answer } of answers) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.SecretString ?? '');
    } catch {
      throw new Error(`secret ${secretId}: SecretString must be a JSON object of NAME: value`);
    }
    const result = SecretValuesSchema.safeParse(parsed);
    if (!result.success) throw new Error(`secret ${secretId}: SecretString must be a JSON object of strings`);
    const unknown = Object.keys(result.data).filter((name) => !SECRET_NAME.test(name));
    // Names only, never values, in the message.
    if (unknown.length)
      throw new Error(`secret ${secretId}: names not accepted from a secret: ${unknown.join(', ')}`);
    Object.assign(values, result.data);
  }
  return values;
}

/** ACE_SECRET_IDS (comma-separated names or ARNs), read with the function's own role. */
export async function environmentWithSecrets(
  env: Record<string, string | undefined> = process.env,
  client?: Pick<SecretsManagerClient, 'send'>,
): Promise<Record<string, string | undefined>> {
  const secretIds = (env.ACE_SECRET_IDS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (!secretIds.length) return env;
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const secrets = await loadSecretEnvironment({
    client: client ?? new SecretsManagerClient({ ...(env.AWS_REGION && { region: env.AWS_REGION }) }),
    secretIds,
  });
  return { ...env, ...secrets };
}
