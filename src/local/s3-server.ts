import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

export const LOCAL_PAYLOAD_BUCKET = 'ace-payloads';

/**
 * An S3-compatible server (s3rver) for the real @aws-sdk/client-s3, in this
 * process: large payloads of the local stack and the tests. Objects live on
 * disk, under `directory` when given (npm start --data), else in a temporary
 * directory removed on close.
 */
export async function startLocalS3(
  options: { directory?: string; bucket?: string; port?: number } = {},
): Promise<LocalS3> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'ace-s3-'));
  mkdirSync(directory, { recursive: true });
  const bucket = options.bucket ?? LOCAL_PAYLOAD_BUCKET;
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async close() {
      await server.close();
      if (temporary) rmSync(directory, { recursive: true, force: true });
    },
  };
}
