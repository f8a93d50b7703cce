import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { environmentWithSecrets } from '../../src/secrets/secret-environment.js';
import { createTokenVerifier, signToken } from '../../src/transport/auth.js';

/** A local server speaking Secrets Manager's JSON 1.1 protocol (GetSecretValue only). */
const SECRETS: Record<string, string> = {
  'ace/dev/auth': JSON.stringify({ JWT_SECRET: 'secret-from-secrets-manager-123' }),
  'ace/dev/runtimes': JSON.stringify({
    ACE_OPENAI_API_KEY: 'sk-from-sm',
    ACE_OPENAI_AZURE_BASE_URL: 'https://x.test/v1',
  }),
  'ace/dev/sneaky': JSON.stringify({ ACE_TABLE_PREFIX: 'other-' }),
  'ace/dev/not-json': 'plain text',
};

describe('Secrets Manager credential source', () => {
  let server: Server;
  let client: SecretsManagerClient;
  const calls: { target: string; secretId: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        calls.push({ target: String(req.headers['x-amz-target']), secretId: SecretId });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        const value = SECRETS[SecretId];
        if (value === undefined) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
          return;
        }
        res.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}`,
            Name: SecretId,
            SecretString: value,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    client = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reads each named secret once and feeds JWT_SECRET and runtime credentials', async () => {
    calls.length = 0;
    const env = await environmentWithSecrets(
      { ACE_SECRET_IDS: 'ace/dev/auth, ace/dev/runtimes', ACE_OPENAI_API_KEY: 'from-plain-env' },
      client,
    );
    expect(calls).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: 'ace/dev/auth' },
      { target: 'secretsmanager.GetSecretValue', secretId: 'ace/dev/runtimes' },
    ]);
    const config = loadConfig(env);
    expect(config.JWT_SECRET).toBe('secret-from-secrets-manager-123');
    const verifier = createTokenVerifier(config, createLogger({ LOG_LEVEL: 'silent' }), { inLambda: true });
    const token = await signToken('secret-from-secrets-manager-123', {
      endpoint_id: 'e',
      part_id: 'p',
      sub: 'u',
    });
    expect((await verifier.verify(token)).userId).toBe('u');
    const credentials = envCredentials(env);
    expect(await credentials('openai', 'default')).toEqual({ apiKey: 'sk-from-sm' });
    expect(await credentials('openai', 'azure')).toEqual({ baseUrl: 'https://x.test/v1' });
  });

  it('without ACE_SECRET_IDS nothing is read', async () => {
    calls.length = 0;
    const env = { LOG_LEVEL: 'info' };
    expect(await environmentWithSecrets(env, client)).toBe(env);
    expect(calls).toEqual([]);
  });

  it('refuses a secret that would set something other than a secret, or is not JSON, naming no value', async () => {
    await expect(environmentWithSecrets({ ACE_SECRET_IDS: 'ace/dev/sneaky' }, client)).rejects.toThrow(
      'names not accepted from a secret: ACE_TABLE_PREFIX',
    );
    await expect(environmentWithSecrets({ ACE_SECRET_IDS: 'ace/dev/not-json' }, client)).rejects.toThrow(
      /must be a JSON object/,
    );
    await expect(environmentWithSecrets({ ACE_SECRET_IDS: 'ace/dev/missing' }, client)).rejects.toThrow(
      /not found/,
    );
  });
});
