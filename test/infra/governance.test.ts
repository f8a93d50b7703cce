import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from './support.js';

describe('governance in the stack', () => {
  it('the audit table from its one definition (deterministic id, three time indexes, TTL), and the settings as environment', () => {
    const { template } = synthesize({
      stage: 'dev',
      tablePrefix: 'ace-',
      defaultRoles: 'viewer',
      roles: { approver: ['session:read', 'session:answer'] },
      auditRetentionDays: 90,
      auditRedactFields: 'notes,user_input',
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'ace-audit_log',
      KeySchema: [{ AttributeName: 'audit_id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'partition_key-at-index' }),
        Match.objectLike({ IndexName: 'entity-at-index' }),
        Match.objectLike({ IndexName: 'user-at-index' }),
      ]),
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'ace-feedback' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'ace-run_timings' });
    const functions = template.findResources('AWS::Lambda::Function');
    const http = Object.values(functions).find((f) =>
      String((f as { Properties: { FunctionName?: string } }).Properties.FunctionName).endsWith('http'),
    ) as { Properties: { Environment: { Variables: Record<string, string> } } };
    expect(http.Properties.Environment.Variables).toMatchObject({
      ACE_DEFAULT_ROLES: 'viewer',
      ACE_ROLES: JSON.stringify({ approver: ['session:read', 'session:answer'] }),
      ACE_ROLES_CLAIM: 'roles',
      ACE_AUDIT_RETENTION_DAYS: '90',
      ACE_AUDIT_REDACT_FIELDS: 'notes,user_input',
      ACE_AUDIT_READS: 'false',
    });
  });
});
