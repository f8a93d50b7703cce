import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { FEEDBACK_KINDS } from '../analytics/report.js';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';

export const FeedbackSchema = z.object({
  session_uuid: z.string(),
  feedback_uuid: z.string(),
  partition_key: z.string(),
  coordination_uuid: z.string(),
  session_agent_uuid: z.string().nullable(),
  run_uuid: z.string().nullable(),
  /** The rated agent, where the feedback names an agent or a run. */
  agent_uuid: z.string().nullable(),
  kind: z.enum(FEEDBACK_KINDS),
  rating: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  user_id: z.string(),
  created_at: z.string(),
});
export type Feedback = z.infer<typeof FeedbackSchema>;

/** Feedback items: written once under their id (a retried submit returns the first one). */
export function createFeedbackRepository(deps: { doc: DynamoDBDocumentClient; tables: TableNames }) {
  const table = deps.tables.feedback;
  return {
    async insertOnce(tenant: Tenant, feedback: Omit<Feedback, 'partition_key'>): Promise<Feedback> {
      const item = FeedbackSchema.parse({ ...feedback, partition_key: tenant.partitionKey });
      try {
        await deps.doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(feedback_uuid)',
          }),
        );
        return item;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await deps.doc.send(
          new GetCommand({
            TableName: table,
            Key: { session_uuid: item.session_uuid, feedback_uuid: item.feedback_uuid },
            ConsistentRead: true,
          }),
        );
        const existing = FeedbackSchema.parse(Item);
        if (existing.partition_key !== tenant.partitionKey)
          throw new Error('feedback id collision across tenants');
        return existing;
      }
    },
  };
}
