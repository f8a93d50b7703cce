import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { TableNames } from '../db/tables.js';
import type { EventPublisher, SessionEvent } from '../events/publisher.js';
import type { Tenant } from '../tenant.js';
import type { AnalyticsCounters, RunUsage } from './counters.js';

/** A start whose end never comes (a crash) is dropped after this long. */
const START_TTL_SECONDS = 7 * 86_400;
/** Procedure-hub states that end a run (a person, an action function or nothing comes next). */
const RUN_END_STATES = new Set(['completed', 'failed', 'wait_for_user_input', 'pending']);
/** Operation-hub run events that end a run, and whether it succeeded. */
const OPERATION_RUN_ENDS: Record<string, boolean> = {
  run_completed: true,
  run_waiting_for_approval: true,
  run_failed: false,
  run_timeout: false,
  run_budget_exceeded: false,
};

interface RunEvent {
  readonly kind: 'start' | 'end';
  /** The run within its session: a SessionAgent (procedure hub) or a SessionRun (operation hub). */
  readonly runKey: string;
  readonly agentUuid: string;
  readonly ok: boolean;
  readonly retries: number;
}

/** Pure: what an event says about an agent run, if anything. */
export function runEventOf(event: SessionEvent): RunEvent | undefined {
  const d = event.data;
  const agentUuid = typeof d.agent_uuid === 'string' ? d.agent_uuid : undefined;
  if (!agentUuid) return undefined;
  if (event.type === 'agent_state' && typeof d.session_agent_uuid === 'string') {
    const state = String(d.state);
    const attempts = typeof d.attempts === 'number' ? d.attempts : 1;
    if (state === 'executing')
      return { kind: 'start', runKey: d.session_agent_uuid, agentUuid, ok: true, retries: 0 };
    if (RUN_END_STATES.has(state))
      return {
        kind: 'end',
        runKey: d.session_agent_uuid,
        agentUuid,
        ok: state !== 'failed',
        retries: Math.max(0, attempts - 1),
      };
  }
  if (typeof d.run_uuid === 'string') {
    if (event.type === 'run_started' || event.type === 'run_continued')
      return { kind: 'start', runKey: d.run_uuid, agentUuid, ok: true, retries: 0 };
    const ok = OPERATION_RUN_ENDS[event.type];
    if (ok !== undefined) return { kind: 'end', runKey: d.run_uuid, agentUuid, ok, retries: 0 };
  }
  return undefined;
}

/**
 * Watches the events both hubs record (it wraps the event log's publisher) and
 * counts each agent run once: its start is kept in run_timings; the first
 * event that ends it deletes that item (a conditional delete, so exactly one
 * end closes a run) and ADDs the outcome and duration to the rollups.
 * Best effort like publishing: a failure is logged, never fails the hub.
 */
export function withRunAnalytics(
  inner: EventPublisher,
  deps: {
    doc: DynamoDBDocumentClient;
    tables: TableNames;
    counters: AnalyticsCounters;
    coordinationOf: (tenant: Tenant, sessionUuid: string) => Promise<string | undefined>;
    /** What a procedure-hub run used (its SessionAgent's totals); undefined where unknown. */
    usageOfAgentRun?: (
      tenant: Tenant,
      sessionUuid: string,
      sessionAgentUuid: string,
    ) => Promise<RunUsage | undefined>;
    logger: Logger;
  },
): EventPublisher {
  const table = deps.tables.runTimings;
  const timingKey = (tenant: Tenant, sessionUuid: string, runKey: string) =>
    `${tenant.partitionKey}#${sessionUuid}#${runKey}`;

  async function observe(tenant: Tenant, event: SessionEvent, run: RunEvent) {
    const key = { timing_key: timingKey(tenant, event.sessionUuid, run.runKey) };
    if (run.kind === 'start') {
      const coordinationUuid = await deps.coordinationOf(tenant, event.sessionUuid);
      if (!coordinationUuid) return;
      const expires = Math.floor(Date.parse(event.createdAt) / 1000) + START_TTL_SECONDS;
      await deps.doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...key,
            started_at: event.createdAt,
            coordination_uuid: coordinationUuid,
            expires_at: expires,
          },
        }),
      );
      return;
    }
    const removed = await deps.doc
      .send(
        new DeleteCommand({
          TableName: table,
          Key: key,
          ConditionExpression: 'attribute_exists(timing_key)',
          ReturnValues: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined; // not a run's end
        throw error;
      });
    const start = removed?.Attributes;
    if (!start) return;
    const usage =
      event.type === 'agent_state'
        ? await deps.usageOfAgentRun?.(tenant, event.sessionUuid, run.runKey)
        : undefined;
    await deps.counters.recordRun(tenant, {
      id: `${event.sessionUuid}#${event.seq}`,
      coordinationUuid: String(start.coordination_uuid),
      agentUuid: run.agentUuid,
      ok: run.ok,
      durationMs: Date.parse(event.createdAt) - Date.parse(String(start.started_at)),
      retries: run.retries,
      at: new Date(event.createdAt),
      ...(usage && { usage }),
    });
  }

  return {
    async publish(tenant, events) {
      // In order: a start and its end in one batch must not race.
      const observed = (async () => {
        for (const event of events) {
          const run = runEventOf(event);
          if (run) await observe(tenant, event, run);
        }
      })().catch((error: unknown) => deps.logger.warn({ err: error }, 'run analytics not counted'));
      const [published] = await Promise.allSettled([inner.publish(tenant, events), observed]);
      if (published?.status === 'rejected') throw published.reason;
    },
  };
}
