import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../src/handlers/lambda-credentials.js';

/** The credential chain the Lambda bundles use in place of the SDK's default one (an esbuild alias). */
afterEach(() => {
  vi.unstubAllEnvs();
});

function stubCredentialEnv(values: Record<string, string | undefined>) {
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_PROFILE',
  ])
    vi.stubEnv(name, values[name]);
}

describe('Lambda credentials', () => {
  it("the role's credentials from the environment, as Lambda sets them", async () => {
    stubCredentialEnv({
      AWS_ACCESS_KEY_ID: 'AKIDLAMBDA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'tok',
    });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'AKIDLAMBDA',
      secretAccessKey: 'secret',
      sessionToken: 'tok',
    });
  });

  it('from the container endpoint when one is named, fetched once while they hold', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          AccessKeyId: 'AKIDCONTAINER',
          SecretAccessKey: 'container-secret',
          Token: 'container-token',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      stubCredentialEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/creds` });
      const provider = defaultProvider();
      await expect(provider()).resolves.toMatchObject({
        accessKeyId: 'AKIDCONTAINER',
        sessionToken: 'container-token',
      });
      await provider();
      expect(requests).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('neither: a clear error, never anonymous requests', async () => {
    stubCredentialEnv({});
    await expect(defaultProvider()()).rejects.toThrow(/environment variable credentials/);
  });
});
