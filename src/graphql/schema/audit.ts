import * as z from 'zod';
import type { AuditRecord } from '../../audit/trail.js';
import { builder } from '../builder.js';
import { FilterText, optionalFilter, PageArgsSchema } from '../inputs.js';

const AuditChangeRef = builder.objectRef<AuditRecord['changes'][number]>('AuditChange').implement({
  description: 'One attribute a write changed (secrets and configured fields redacted).',
  fields: (t) => ({
    field: t.exposeString('field', { nullable: false }),
    old: t.field({ type: 'JSON', resolve: (c) => c.old ?? null }),
    new: t.field({ type: 'JSON', resolve: (c) => c.new ?? null }),
  }),
});

const AuditRecordRef = builder.objectRef<AuditRecord>('AuditRecord').implement({
  description: 'Who did what to which entity, when: one per write through the API.',
  fields: (t) => ({
    auditId: t.exposeID('audit_id', { nullable: false }),
    at: t.exposeString('at', { nullable: false }),
    userId: t.exposeString('user_id', { nullable: false }),
    roles: t.exposeStringList('roles', { nullable: false }),
    operation: t.exposeString('operation', { nullable: false, description: 'The root field called.' }),
    action: t.exposeString('action', {
      nullable: false,
      description:
        'insert, update, delete, execute, resume, answer, decide, ask, invalidate, submit (read when reads are audited).',
    }),
    entityType: t.exposeString('entity_type', { nullable: false }),
    entityUuid: t.exposeString('entity_uuid', { nullable: false }),
    entityKey: t.field({ type: 'JSON', nullable: false, resolve: (r) => r.entity_key }),
    changes: t.field({ type: [AuditChangeRef], nullable: false, resolve: (r) => r.changes }),
    details: t.field({ type: 'JSON', nullable: false, resolve: (r) => r.details }),
    transport: t.exposeString('transport', { nullable: false }),
    requestId: t.exposeString('request_id', { nullable: false }),
  }),
});

const AuditLogPageRef = builder
  .objectRef<{ items: AuditRecord[]; nextToken?: string | null; pageNumber: number; pageSize: number }>(
    'AuditLogPage',
  )
  .implement({
    fields: (t) => ({
      auditLogList: t.field({ type: [AuditRecordRef], nullable: false, resolve: (p) => p.items }),
      nextToken: t.string({
        description: 'Pass it back for the next page.',
        resolve: (p) => p.nextToken ?? null,
      }),
      pageNumber: t.exposeInt('pageNumber', { nullable: false }),
      pageSize: t.exposeInt('pageSize', { nullable: false }),
    }),
  });

const Time = optionalFilter(z.iso.datetime({ offset: true }));
const AuditLogArgs = z.object({
  entityType: FilterText,
  entityUuid: FilterText,
  userId: FilterText,
  from: Time,
  to: Time,
  limit: PageArgsSchema.limit,
  nextToken: PageArgsSchema.nextToken,
});

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditLogPageRef,
    nullable: false,
    description:
      "The tenant's audit records, newest first: of one entity (entityType + entityUuid), of one user, or all; between from and to (inclusive).",
    args: t.validate(
      {
        entityType: t.arg.string(),
        entityUuid: t.arg.string(),
        userId: t.arg.string(),
        from: t.arg({ type: 'DateTime' }),
        to: t.arg({ type: 'DateTime' }),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
      },
      AuditLogArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { limit, nextToken, ...filter } = raw as unknown as z.output<typeof AuditLogArgs>;
      const trail = ctx.services.audit;
      if (!trail) throw new Error('auditLog: the audit trail is not wired on this transport');
      const iso = (v?: string) => (v ? new Date(v).toISOString() : undefined);
      return trail.page(
        ctx.caller.tenant,
        { ...filter, from: iso(filter.from), to: iso(filter.to) },
        { limit, ...(nextToken && { nextToken }) },
      );
    },
  }),
);
