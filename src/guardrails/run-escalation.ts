import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../db/condition-held.js';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import type { EscalationDecision } from './escalation-decision.js';

/** What a decided escalation leaves on its SessionRun (kept for audit: who decided what, and when). */
export interface EscalationDecisionRecord {
  readonly decision: EscalationDecision['decision'];
  readonly decided_by: string;
  readonly decided_at: string;
  readonly reason?: string;
}

export interface RunDecision {
  readonly status: 'completed' | 'failed';
  /** The approved or edited answer; null on reject (the held answer is no one's answer). */
  readonly answer: string | null;
  readonly record: EscalationDecisionRecord;
}

/**
 * The one state transition of an escalated operation-hub run:
 * `escalated -> completed | failed`, a conditional UpdateItem on the
 * SessionRun row (the caller's tenant, status still `escalated`), so of two
 * concurrent decisions exactly one lands.
 */
export function createRunEscalations(deps: {
  doc: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'sessionRuns'>;
}) {
  return {
    async decide(tenant: Tenant, sessionUuid: string, runUuid: string, to: RunDecision): Promise<boolean> {
      return conditionHeld(() =>
        deps.doc.send(
          new UpdateCommand({
            TableName: deps.tables.sessionRuns,
            Key: { session_uuid: sessionUuid, run_uuid: runUuid },
            UpdateExpression:
              'SET #status = :to, answer = :answer, escalation_decision = :record, updated_by = :by, updated_at = :now',
            ConditionExpression: 'partition_key = :pk AND #status = :escalated',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': to.status,
              ':answer': to.answer,
              ':record': to.record,
              ':by': to.record.decided_by,
              ':now': to.record.decided_at,
              ':pk': tenant.partitionKey,
              ':escalated': 'escalated',
            },
          }),
        ),
      );
    },
  };
}
export type RunEscalations = ReturnType<typeof createRunEscalations>;
