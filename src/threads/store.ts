import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { type ConversationMessage, ConversationMessageSchema } from '../tools/conversation.js';

/**
 * Thread history for runtimes that keep none of their own (chat completions,
 * Bedrock Converse): one row per message in `thread_messages`, ordered by
 * `seq` within the thread. Rows carry the tenant; a thread of another tenant
 * reads as empty and cannot be appended to.
 */
export const ThreadRoleSchema = z.enum(['user', 'assistant', 'tool']);
export type ThreadRole = z.infer<typeof ThreadRoleSchema>;

/** A message of the neutral conversation (tool calls and tool results included). */
export type ThreadMessage = ConversationMessage;

/** How much history a model call gets: the newest messages that fit both limits. */
export interface HistoryBudget {
  readonly maxMessages: number;
  readonly maxChars: number;
}

export const DEFAULT_HISTORY_BUDGET: HistoryBudget = { maxMessages: 40, maxChars: 24_000 };

const RowSchema = z.object({
  thread_uuid: z.string(),
  seq: z.number().int(),
  partition_key: z.string(),
  role: ThreadRoleSchema,
  content: z.string(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
  is_error: z.boolean().optional(),
});
type Row = z.infer<typeof RowSchema>;

/** A stored row as the conversation message it holds. */
function messageOf(row: Row): ThreadMessage {
  const { thread_uuid: _t, seq: _s, partition_key: _p, ...message } = row;
  return ConversationMessageSchema.parse(message);
}

export interface ThreadStoreDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'threadMessages'>;
  readonly now?: () => Date;
  /** Rows expire after this many days (DynamoDB TTL); 0 keeps them. */
  readonly ttlDays?: number;
}

export interface ThreadStore {
  history(tenant: Tenant, threadUuid: string, budget?: Partial<HistoryBudget>): Promise<ThreadMessage[]>;
  append(tenant: Tenant, threadUuid: string, messages: readonly ThreadMessage[]): Promise<void>;
}

/**
 * Keeps the newest messages within the budget, oldest first, never starting
 * on an assistant message (a chat model expects the user to speak first).
 * Pure, so the trimming rule is unit-tested without a table.
 */
export function trimHistory(newestFirst: readonly ThreadMessage[], budget: HistoryBudget): ThreadMessage[] {
  const kept: ThreadMessage[] = [];
  let chars = 0;
  for (const message of newestFirst) {
    if (kept.length >= budget.maxMessages || chars + message.content.length > budget.maxChars) break;
    kept.push(message);
    chars += message.content.length;
  }
  kept.reverse();
  // Never start on an answer or a tool result: the provider expects the user first, and a tool
  // result without the call that asked for it is an invalid conversation.
  while (kept[0] && kept[0].role !== 'user') kept.shift();
  return kept;
}

const MAX_APPEND_ATTEMPTS = 5;

export function createThreadStore(deps: ThreadStoreDeps): ThreadStore {
  const tableName = deps.tables.threadMessages;
  const now = () => deps.now?.() ?? new Date();
  const ttlDays = deps.ttlDays ?? 30;

  async function newestRows(threadUuid: string, limit: number) {
    const { Items = [] } = await deps.doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#t = :t',
        ExpressionAttributeNames: { '#t': 'thread_uuid' },
        ExpressionAttributeValues: { ':t': threadUuid },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => RowSchema.parse(item));
  }

  return {
    async history(tenant, threadUuid, budget = {}) {
      const full = { ...DEFAULT_HISTORY_BUDGET, ...budget };
      if (full.maxMessages <= 0) return [];
      const rows = await newestRows(threadUuid, full.maxMessages);
      if (rows.some((row) => row.partition_key !== tenant.partitionKey)) return [];
      return trimHistory(rows.map(messageOf), full);
    },

    async append(tenant, threadUuid, messages) {
      // seq = last + 1 under a conditional put, per message: a concurrent append retries instead of overwriting.
      for (const message of messages) {
        for (let attempt = 1; ; attempt++) {
          const [last] = await newestRows(threadUuid, 1);
          if (last && last.partition_key !== tenant.partitionKey)
            throw new Error('thread belongs to another tenant');
          const stamp = now();
          try {
            await deps.doc.send(
              new PutCommand({
                TableName: tableName,
                Item: {
                  thread_uuid: threadUuid,
                  seq: (last?.seq ?? 0) + 1,
                  partition_key: tenant.partitionKey,
                  ...message,
                  created_at: stamp.toISOString(),
                  ...(ttlDays > 0 && { expires_at: Math.floor(stamp.getTime() / 1000) + ttlDays * 86_400 }),
                },
                ConditionExpression: 'attribute_not_exists(seq)',
              }),
            );
            break;
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_APPEND_ATTEMPTS)
              throw error;
          }
        }
      }
    },
  };
}
