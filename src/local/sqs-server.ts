import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';

export interface LocalSqs {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** An SQS-compatible server (local-aws-sqs) for the real @aws-sdk/client-sqs. */
export async function startLocalSqs(options: { port?: number } = {}): Promise<LocalSqs> {
  const server = await createSqsServer({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
