import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { createPageTokenCodec, queryIdentity } from '../db/page-token.js';
import { type Page, type PageRequest, queryPage } from '../db/paginate.js';
import type { TableNames } from '../db/tables.js';
import { ValidationError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import { createRedactor, type Redactor } from './diff.js';

export const AuditRecordSchema = z.object({
  audit_id: z.string(),
  partition_key: z.string(),
  at: z.string(),
  at_id: z.string(),
  entity_ref: z.string(),
  user_ref: z.string(),
  user_id: z.string(),
  roles: z.array(z.string()),
  operation: z.string(),
  action: z.string(),
  entity_type: z.string(),
  entity_uuid: z.string(),
  entity_key: z.record(z.string(), z.string()),
  changes: z.array(z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })),
  details: z.record(z.string(), z.unknown()).default({}),
  transport: z.string(),
  request_id: z.string(),
  expires_at: z.number().int().optional(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export type AuditEntry = Omit<
  AuditRecord,
  'partition_key' | 'at' | 'at_id' | 'entity_ref' | 'user_ref' | 'expires_at'
>;

export interface AuditSettings {
  /** Days a record is kept (DynamoDB TTL); 0 keeps them forever. */
  readonly retentionDays: number;
  /** Field names redacted on top of the built-in secret names. */
  readonly redactFields: readonly string[];
  /** Also record reads (queries), not only writes. */
  readonly auditReads: boolean;
}

export interface AuditFilter {
  readonly entityType?: string | undefined;
  readonly entityUuid?: string | undefined;
  readonly userId?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** A deterministic audit id: the same write (tenant, request, field) always names the same record. */
export function auditIdOf(tenant: Tenant, ...parts: string[]): string {
  return createHash('sha256')
    .update([tenant.partitionKey, ...parts].join('\n'))
    .digest('hex')
    .slice(0, 40);
}

const entityRef = (tenant: Tenant, type: string, uuid: string) => `${tenant.partitionKey}#${type}#${uuid}`;
const userRef = (tenant: Tenant, userId: string) => `${tenant.partitionKey}#${userId}`;

export function createAuditTrail(deps: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  pageTokenKey: Uint8Array;
  settings: AuditSettings;
  now?: () => Date;
}) {
  const { doc, settings } = deps;
  const table = deps.tables.auditLog;
  const codec = createPageTokenCodec(deps.pageTokenKey);
  const redact: Redactor = createRedactor(settings.redactFields);
  const now = () => deps.now?.() ?? new Date();

  return {
    redact,
    settings,
    /** Appends one record, once: a second put of the same id changes nothing ('duplicate'). */
    async record(tenant: Tenant, entry: AuditEntry): Promise<'recorded' | 'duplicate'> {
      const at = now();
      const item: AuditRecord = AuditRecordSchema.parse({
        ...entry,
        partition_key: tenant.partitionKey,
        at: at.toISOString(),
        at_id: `${at.toISOString()}#${entry.audit_id}`,
        entity_ref: entityRef(tenant, entry.entity_type, entry.entity_uuid),
        user_ref: userRef(tenant, entry.user_id),
        ...(settings.retentionDays > 0 && {
          expires_at: Math.floor(at.getTime() / 1000) + settings.retentionDays * 86_400,
        }),
      });
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(audit_id)',
          }),
        );
        return 'recorded';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'duplicate';
        throw error;
      }
    },

    /** The tenant's records, newest first: of one entity, of one user, or all, between from and to. */
    page(tenant: Tenant, filter: AuditFilter, request: PageRequest): Promise<Page<AuditRecord>> {
      if (filter.entityUuid && !filter.entityType) throw new ValidationError('entityUuid needs entityType');
      const range = {
        ':from': filter.from ?? '0000',
        // '~' sorts after every character an id or a time uses: `to` itself is included.
        ':to': `${filter.to ?? '9999'}~`,
      };
      const filters: string[] = [];
      const values: Record<string, unknown> = { ...range };
      let index: string;
      let hashName: string;
      if (filter.entityType && filter.entityUuid) {
        [index, hashName] = ['entity-at-index', 'entity_ref'];
        values[':h'] = entityRef(tenant, filter.entityType, filter.entityUuid);
        if (filter.userId) {
          filters.push('user_id = :u');
          values[':u'] = filter.userId;
        }
      } else if (filter.userId) {
        [index, hashName] = ['user-at-index', 'user_ref'];
        values[':h'] = userRef(tenant, filter.userId);
      } else {
        [index, hashName] = ['partition_key-at-index', 'partition_key'];
        values[':h'] = tenant.partitionKey;
      }
      if (filter.entityType && !filter.entityUuid) {
        filters.push('entity_type = :t');
        values[':t'] = filter.entityType;
      }
      const input: QueryCommandInput = {
        TableName: table,
        IndexName: index,
        KeyConditionExpression: `${hashName} = :h AND at_id BETWEEN :from AND :to`,
        ...(filters.length && { FilterExpression: filters.join(' AND ') }),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      };
      return queryPage(
        {
          doc,
          input,
          table: 'auditLog',
          parse: (item) => AuditRecordSchema.parse(item),
          codec,
          binding: { tenant: tenant.partitionKey, query: queryIdentity('auditLog', filter) },
        },
        request,
      );
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
