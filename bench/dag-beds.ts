// The beds the executor bench runs on (issue 16, part 3): how messages travel and what a DynamoDB
// request costs. In process (today's bed: no queue latency), through the real local SQS server and the
// real poller (what a deployment pays per queue hop), and behind a proxy that adds a fixed delay to every
// DynamoDB request (round trips count as they do over a network, not the local server's CPU).
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startLocalSqs } from '../src/local/sqs-server.js';
import { startSqsPoller } from '../src/queue/poller.js';
import type { Envelope, WorkQueue } from '../src/queue/port.js';
import { createSqsWorkQueue } from '../src/queue/port.js';

export type BedName = 'in-process' | 'sqs' | 'latency';

/** Delivers each message at once, in process, as a fast event source would (no poll latency). */
export function inProcessQueue(
  deliver: (m: Envelope) => Promise<void>,
): WorkQueue & { idle(): Promise<void> } {
  const inflight = new Set<Promise<void>>();
  return {
    async send(messages) {
      for (const message of messages) {
        const p = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => deliver(message))
          .catch((error: unknown) => console.error('delivery failed', error))
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
    async idle() {
      while (inflight.size) await Promise.all([...inflight]);
    },
  };
}

/**
 * The local SQS server with a queue of its own and the local poller playing Lambda's event source
 * mapping (receive up to `batchSize`, call the work-queue handler with real SQSEvent records, delete
 * what succeeded), `concurrency` receive loops at once as Lambda runs several batches.
 */
export async function sqsBed(
  sqs: SQSClient,
  endpoint: string,
  options: { batchSize: number; concurrency: number },
) {
  const name = `bench-dag-${Date.now()}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = QueueUrl ?? `${endpoint}/000000000000/${name}`;
  const queue = createSqsWorkQueue({ sqs, queueUrl });
  let poller: ReturnType<typeof startSqsPoller> | undefined;
  return {
    queue,
    start(handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>) {
      poller = startSqsPoller({
        sqs,
        queueUrl,
        handler,
        batchSize: options.batchSize,
        concurrency: options.concurrency,
      });
    },
    async close() {
      await poller?.stop();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    },
  };
}

export const startBenchSqs = () => startLocalSqs();

/**
 * An HTTP proxy in front of the local DynamoDB that holds every request `delayMs` before forwarding it
 * (one fixed delay per request, as a network round trip adds; the answer is not delayed again).
 */
export async function startLatencyProxy(
  target: string,
  delayMs: number,
): Promise<{ endpoint: string; requests: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count++;
      setTimeout(() => {
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', (error) => {
          res.writeHead(502).end(String(error));
        });
        forward.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
