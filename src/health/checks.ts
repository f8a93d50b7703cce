import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Clients } from '../clients.js';
import { type TableKey, tableDefinitions } from '../db/tables.js';

/**
 * One component check: resolves with details when the component answered,
 * throws when it did not. `critical` components make the whole service
 * unhealthy when down; the others only degrade it.
 */
export interface ComponentCheck {
  readonly name: string;
  readonly kind: 'dynamodb' | 'sqs' | 'runtime' | 's3';
  readonly critical: boolean;
  run(signal: AbortSignal): Promise<Record<string, unknown> | undefined>;
}

/** Every table answers a GetItem of a key that never exists (covered by the functions' item grants). */
export function dynamoCheck(clients: Pick<Clients, 'dynamo' | 'tables'>): ComponentCheck {
  return {
    name: 'dynamodb',
    kind: 'dynamodb',
    critical: true,
    async run(signal) {
      const keys = Object.keys(tableDefinitions) as TableKey[];
      await Promise.all(
        keys.map((key) => {
          const def = tableDefinitions[key];
          const attributes = [def.hashKey, ...('rangeKey' in def && def.rangeKey ? [def.rangeKey] : [])];
          const Key = Object.fromEntries(
            attributes.map((a) => [a.name, a.type === 'S' ? { S: '-health-' } : { N: '-1' }]),
          );
          return clients.dynamo.send(new GetItemCommand({ TableName: clients.tables[key], Key }), {
            abortSignal: signal,
          });
        }),
      );
      return { tables: keys.length };
    },
  };
}

export function queueCheck(
  clients: Pick<Clients, 'sqs'>,
  name: string,
  queueUrl: string,
  critical: boolean,
): ComponentCheck {
  return {
    name,
    kind: 'sqs',
    critical,
    async run(signal) {
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
        { abortSignal: signal },
      );
      return {
        visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
  };
}

/**
 * The operator's runtime endpoints (ACE_<RUNTIME>[_<PROFILE>]_BASE_URL):
 * reachable means any HTTP answer, whatever its status (an API without a
 * key answers 401, which still proves the network path).
 */
export function runtimeEndpointChecks(
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): ComponentCheck[] {
  const pattern = /^ACE_(OPENAI|BEDROCK|CORE_ENGINE)(?:_([A-Z0-9_]+))?_BASE_URL$/;
  const checks: ComponentCheck[] = [];
  for (const [variable, value] of Object.entries(env)) {
    const match = pattern.exec(variable);
    if (!match || !value) continue;
    const runtime = match[1]!.toLowerCase();
    const profile = match[2]?.toLowerCase() ?? 'default';
    checks.push({
      name: `runtime:${runtime}:${profile}`,
      kind: 'runtime',
      critical: false,
      async run(signal) {
        const response = await fetchImpl(value, { method: 'GET', signal, redirect: 'manual' });
        await response.body?.cancel().catch(() => undefined);
        return { httpStatus: response.status, url: new URL(value).origin };
      },
    });
  }
  return checks.sort((a, b) => a.name.localeCompare(b.name));
}
