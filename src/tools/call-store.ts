import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { type AssistantMessage, ConversationMessageSchema } from './conversation.js';

/**
 * The tool loop's durable record of one run (table tool_calls, keyed by the
 * run): what makes tool side effects exactly-once. A call is written before it
 * is made (`started`, or `awaiting_approval`) and its result after (`done`);
 * every step is a conditional write, so of two workers only one makes a call,
 * and a redelivery, retry or crash-resume finds the stored result. Model turns
 * that asked for tools are stored too: a resumed run replays them, so the call
 * ids (the keys) are the ones the first model answer chose.
 */
export const CallStatusSchema = z.enum(['awaiting_approval', 'approved', 'started', 'done']);
export type CallStatus = z.infer<typeof CallStatusSchema>;

export const ToolOutcomeSchema = z.object({ ok: z.boolean(), value: z.unknown() });
export type ToolOutcome = z.infer<typeof ToolOutcomeSchema>;

export const DecisionSchema = z.object({
  approve: z.boolean(),
  arguments: z.unknown().optional(),
  reason: z.string().max(4096).optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const CallRecordSchema = z.object({
  run_uuid: z.string(),
  call_id: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  status: CallStatusSchema,
  attempts: z.number().int().min(0).default(0),
  result: ToolOutcomeSchema.optional(),
  decision: DecisionSchema.optional(),
});
export type CallRecord = z.infer<typeof CallRecordSchema>;

const TurnRecordSchema = z.object({ message: ConversationMessageSchema });

export interface RunRecord {
  /** Stored model turns that asked for tools, by turn index. */
  readonly turns: Map<number, AssistantMessage>;
  readonly calls: Map<string, CallRecord>;
}

export interface ToolCallStoreDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'toolCalls'>;
  /** Wraps every write (the procedure hub's fault hooks for the crash test). */
  readonly write?: <T>(label: string, run: () => Promise<T>) => Promise<T>;
  readonly now?: () => Date;
  /** Records expire after this many days (DynamoDB TTL). */
  readonly ttlDays?: number;
}

const turnKey = (index: number) => `turn#${String(index).padStart(6, '0')}`;
const callKey = (callId: string) => `call#${callId}`;

export function createToolCallStore(deps: ToolCallStoreDeps) {
  const { doc } = deps;
  const TableName = deps.tables.toolCalls;
  const write = deps.write ?? (<T>(_label: string, run: () => Promise<T>) => run());
  const ttlDays = deps.ttlDays ?? 30;
  const stamp = () => {
    const now = deps.now?.() ?? new Date();
    return { updated_at: now.toISOString(), expires_at: Math.floor(now.getTime() / 1000) + ttlDays * 86_400 };
  };

  /** A put that only creates; false when the item exists. */
  async function create(label: string, item: Record<string, unknown>): Promise<boolean> {
    try {
      await write(label, () =>
        doc.send(
          new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(item_key)' }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function read(tenant: Tenant, runUuid: string, itemKey: string) {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: { run_uuid: runUuid, item_key: itemKey }, ConsistentRead: true }),
    );
    return Item && Item.partition_key === tenant.partitionKey ? Item : undefined;
  }

  return {
    /** Everything stored for a run (one query; a run holds a few dozen items). */
    async loadRun(tenant: Tenant, runUuid: string): Promise<RunRecord> {
      const turns = new Map<number, AssistantMessage>();
      const calls = new Map<string, CallRecord>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'run_uuid = :r',
            ExpressionAttributeValues: { ':r': runUuid },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.partition_key !== tenant.partitionKey) continue;
          const key = String(item.item_key);
          if (key.startsWith('turn#')) {
            const message = TurnRecordSchema.parse(item).message;
            if (message.role === 'assistant') turns.set(Number(key.slice(5)), message);
          } else if (key.startsWith('call#')) {
            const record = CallRecordSchema.parse(item);
            calls.set(record.call_id, record);
          }
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return { turns, calls };
    },

    /** Stores a model turn; the first one stored wins and is returned (a concurrent worker adopts it). */
    async recordTurn(
      tenant: Tenant,
      runUuid: string,
      index: number,
      message: AssistantMessage,
    ): Promise<AssistantMessage> {
      const item = {
        run_uuid: runUuid,
        item_key: turnKey(index),
        partition_key: tenant.partitionKey,
        message,
      };
      if (await create('tool_turn', { ...item, ...stamp() })) return message;
      const stored = await read(tenant, runUuid, turnKey(index));
      const parsed = stored ? TurnRecordSchema.parse(stored).message : undefined;
      if (parsed?.role !== 'assistant') throw new Error(`tool turn ${index} of run ${runUuid} is unreadable`);
      return parsed;
    },

    /** Writes a call before it is made. `created` false: another delivery wrote it first (its record is returned). */
    async openCall(
      tenant: Tenant,
      record: Omit<CallRecord, 'attempts'> & { attempts?: number },
    ): Promise<{ created: boolean; record: CallRecord }> {
      const full = CallRecordSchema.parse({ attempts: record.status === 'started' ? 1 : 0, ...record });
      const item = {
        ...full,
        item_key: callKey(full.call_id),
        partition_key: tenant.partitionKey,
        ...stamp(),
      };
      if (await create(`tool_call_${full.status}`, item)) return { created: true, record: full };
      const stored = await read(tenant, full.run_uuid, callKey(full.call_id));
      if (!stored) throw new Error(`tool call ${full.call_id} exists in another tenant`);
      return { created: false, record: CallRecordSchema.parse(stored) };
    },

    /**
     * `from -> to` for one call (conditional). With `attempts`, only the worker
     * that saw that attempt count wins (an idempotent call taken over after a crash).
     */
    async transition(
      tenant: Tenant,
      runUuid: string,
      callId: string,
      from: CallStatus,
      to: { status: CallStatus; result?: ToolOutcome; arguments?: unknown; decision?: Decision },
      attempts?: number,
    ): Promise<boolean> {
      const sets = ['#status = :to', 'updated_at = :at'];
      const values: Record<string, unknown> = {
        ':from': from,
        ':to': to.status,
        ':pk': tenant.partitionKey,
        ':at': stamp().updated_at,
      };
      for (const field of ['result', 'arguments', 'decision'] as const) {
        if (to[field] !== undefined) {
          sets.push(`#${field} = :${field}`);
          values[`:${field}`] = to[field];
        }
      }
      let condition = 'partition_key = :pk AND #status = :from';
      if (attempts !== undefined) {
        condition += ' AND attempts = :seen';
        values[':seen'] = attempts;
        sets.push('attempts = :next');
        values[':next'] = attempts + 1;
      }
      try {
        await write(`tool_call_${to.status}`, () =>
          doc.send(
            new UpdateCommand({
              TableName,
              Key: { run_uuid: runUuid, item_key: callKey(callId) },
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: condition,
              ExpressionAttributeNames: {
                '#status': 'status',
                ...(to.result !== undefined && { '#result': 'result' }),
                ...(to.arguments !== undefined && { '#arguments': 'arguments' }),
                ...(to.decision !== undefined && { '#decision': 'decision' }),
              },
              ExpressionAttributeValues: values,
            }),
          ),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    /** Writes `itemKey` of the run once: true for the one writer that created it (a gate). */
    async claimOnce(tenant: Tenant, runUuid: string, itemKey: string, data: Record<string, unknown>) {
      return create('tool_gate', {
        run_uuid: runUuid,
        item_key: itemKey,
        partition_key: tenant.partitionKey,
        ...data,
        ...stamp(),
      });
    },

    /** Gives a gate back (its holder could not go on: nothing was decided). */
    async releaseOnce(tenant: Tenant, runUuid: string, itemKey: string): Promise<void> {
      await write('tool_gate_release', () =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { run_uuid: runUuid, item_key: itemKey },
            ConditionExpression: 'partition_key = :pk',
            ExpressionAttributeValues: { ':pk': tenant.partitionKey },
          }),
        ),
      ).catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    },

    async getCall(tenant: Tenant, runUuid: string, callId: string): Promise<CallRecord | undefined> {
      const stored = await read(tenant, runUuid, callKey(callId));
      return stored ? CallRecordSchema.parse(stored) : undefined;
    },
  };
}

export type ToolCallStore = ReturnType<typeof createToolCallStore>;
