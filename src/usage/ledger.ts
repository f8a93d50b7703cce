import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { addOnce, addOnceRolling, markerOf } from './add-once.js';
import type { ModelUsage } from './model.js';
import { costOf, type PriceTable } from './prices.js';
import { rollupBuckets, rollupKeyOf } from './rollup-keys.js';

/** Markers per rollup item before the next generation starts (about 20 KB of markers). */
export const ROLLUP_MAX_MARKERS = 1_200;

export interface ModelCallRecord {
  /** Stable for one real call: a retried write or a duplicate delivery of it carries the same id. */
  readonly callId: string;
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly sessionAgentUuid?: string | null;
  readonly agentUuid: string;
  readonly taskUuid?: string | null;
  readonly usage: ModelUsage;
  readonly at: Date;
}

export interface ToolCallRecord {
  readonly callId: string;
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly sessionAgentUuid?: string | null;
  readonly agentUuid: string;
  readonly taskUuid?: string | null;
  readonly at: Date;
}

export interface LedgerDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly prices: PriceTable;
}

/** The DynamoDB attribute totals of a call, as ADDed to the session, its agent and the rollups. */
export function countersOf(usage: ModelUsage, costUsd: number | null): Record<string, number> {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_tokens: usage.cachedTokens,
    reasoning_tokens: usage.reasoningTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    model_calls: usage.modelCalls,
    ...(costUsd === null ? { unpriced_calls: usage.modelCalls } : { cost_usd: costUsd }),
  };
}

/**
 * The usage ledger: each model (or tool) call is ADDed once to its Session,
 * its SessionAgent and the coordination's day rollups, each write guarded
 * by the call's marker on the same item. The writes are independent, so a
 * crash between them is repaired by recording the call again: what was
 * counted stays counted once, what was not is added.
 */
export function createUsageLedger(deps: LedgerDeps) {
  const { doc, tables } = deps;

  async function addEverywhere(
    tenant: Tenant,
    call: Omit<ModelCallRecord, 'usage'>,
    counters: Record<string, number>,
    model: string | null,
  ) {
    const marker = markerOf(call.callId);
    const pk = tenant.partitionKey;
    const sessionKey = { coordination_uuid: call.coordinationUuid, session_uuid: call.sessionUuid };
    // The session first: a call of a session that is not this tenant's is refused before any rollup moves.
    const counted = await addOnce(doc, {
      tableName: tables.sessions,
      key: sessionKey,
      counters,
      marker,
      tenantPartitionKey: pk,
    });
    if (!counted) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: tables.sessions,
          Key: sessionKey,
          ProjectionExpression: 'partition_key',
        }),
      );
      if (Item?.partition_key !== pk)
        throw new Error(`session ${call.sessionUuid} not found for this tenant`);
      // Already counted on the session: the other items are added again where a crash left them out.
    }
    const writes: Promise<boolean>[] = [];
    if (call.sessionAgentUuid) {
      writes.push(
        addOnce(doc, {
          tableName: tables.sessionAgents,
          key: { session_uuid: call.sessionUuid, session_agent_uuid: call.sessionAgentUuid },
          counters,
          marker,
          tenantPartitionKey: pk,
        }),
      );
    }
    const day = call.at.toISOString().slice(0, 10);
    for (const bucket of rollupBuckets(day, { agent: call.agentUuid, model, task: call.taskUuid ?? null })) {
      writes.push(
        addOnceRolling(doc, {
          tableName: tables.usageRollups,
          hashKey: ['rollup_key', rollupKeyOf(tenant, call.coordinationUuid)],
          rangeKey: ['bucket', bucket.bucket],
          counters,
          marker,
          maxMarkers: ROLLUP_MAX_MARKERS,
          setIfAbsent: { group_by: bucket.groupBy, day, group_key: bucket.groupKey, partition_key: pk },
        }),
      );
    }
    await Promise.all(writes);
    return counted;
  }

  return {
    prices: deps.prices,
    /** Records one model call; `counted` is false when this call was already recorded. */
    async recordModelCall(tenant: Tenant, call: ModelCallRecord) {
      const costUsd = costOf(deps.prices, call.usage);
      const counted = await addEverywhere(tenant, call, countersOf(call.usage, costUsd), call.usage.model);
      return { costUsd, counted };
    },
    async recordToolCall(tenant: Tenant, call: ToolCallRecord) {
      const counted = await addEverywhere(tenant, call, { tool_calls: 1 }, null);
      return { counted };
    },
  };
}
export type UsageLedger = ReturnType<typeof createUsageLedger>;
