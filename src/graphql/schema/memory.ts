import * as z from 'zod';
import { IdSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import {
  MemoryKeySchema,
  type MemoryListOptions,
  type MemoryPage,
  type MemoryRecord,
  MemoryTtlSchema,
  MemoryTypeSchema,
  NamespaceSchema,
  UserIdSchema,
} from '../../memory/model.js';
import { builder } from '../builder.js';
import { OptionalId, optionalFilter } from '../inputs.js';
import { DeletePayloadRef, payloadType } from './common.js';

export const MemoryRef = builder.objectRef<MemoryRecord>('Memory').implement({
  description:
    'An agent memory record, unique per (namespace, key). memoryData is stored and returned as given (no key case conversion).',
  fields: (t) => ({
    namespace: t.exposeString('namespace', { nullable: false }),
    key: t.exposeString('key', { nullable: false }),
    memoryType: t.exposeString('memory_type', {
      nullable: false,
      description: 'working, persistent or shared',
    }),
    memoryData: t.field({ type: 'JSON', resolve: (m) => m.memory_data }),
    agentUuid: t.exposeID('agent_uuid'),
    sessionUuid: t.exposeID('session_uuid'),
    coordinationUuid: t.exposeID('coordination_uuid'),
    userId: t.exposeString('user_id'),
    version: t.exposeInt('version', { nullable: false }),
    expiresAt: t.field({
      type: 'DateTime',
      resolve: (m) => (m.expires_at == null ? null : new Date(m.expires_at * 1000).toISOString()),
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

const MemoryPageRef = builder.objectRef<MemoryPage>('MemoryPage').implement({
  fields: (t) => ({
    memoryList: t.field({ type: [MemoryRef], nullable: false, resolve: (p) => p.items }),
    nextToken: t.string({
      resolve: (p) => p.nextToken ?? null,
      description: 'Pass it back for the next page.',
    }),
  }),
});

const UserArg = optionalFilter(UserIdSchema);
const DateArg = optionalFilter(z.iso.datetime({ offset: true }));

builder.queryField('memory', (t) =>
  t.field({
    type: MemoryRef,
    description: 'One live record; with userId, only if it is that user’s.',
    args: t.validate(
      {
        namespace: t.arg.string({ required: true }),
        key: t.arg.string({ required: true }),
        userId: t.arg.string(),
      },
      z.object({ namespace: NamespaceSchema, key: MemoryKeySchema, userId: UserArg }),
    ),
    resolve: async (_, args, ctx) =>
      (await ctx.repos.memory.find(ctx.caller.tenant, args.namespace, args.key, args.userId ?? undefined)) ??
      null,
  }),
);

const ListArgs = z.object({
  namespace: optionalFilter(NamespaceSchema),
  agentUuid: OptionalId,
  sessionUuid: OptionalId,
  memoryType: optionalFilter(MemoryTypeSchema),
  from: DateArg,
  to: DateArg,
  userId: UserArg,
  limit: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .nullish()
    .transform((v) => v ?? 100),
  nextToken: optionalFilter(z.string().min(1).max(4096)),
});

builder.queryField('memoryList', (t) =>
  t.field({
    type: MemoryPageRef,
    nullable: false,
    description:
      'Live records of one namespace (key order), one agent or one session (by type, newest first within a type), or, with none of the three, the tenant’s across agents and sessions (newest first); filtered by memoryType, created between from and to, and userId.',
    args: t.validate(
      {
        namespace: t.arg.string(),
        agentUuid: t.arg.string(),
        sessionUuid: t.arg.string(),
        memoryType: t.arg.string(),
        from: t.arg({ type: 'DateTime' }),
        to: t.arg({ type: 'DateTime' }),
        userId: t.arg.string(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { namespace, agentUuid, sessionUuid, ...rest } = raw as z.output<typeof ListArgs>;
      const options = rest as MemoryListOptions;
      const tenant = ctx.caller.tenant;
      const scopes = [namespace, agentUuid, sessionUuid].filter((v) => v !== undefined);
      if (scopes.length > 1)
        throw new ValidationError('give at most one of namespace, agentUuid, sessionUuid');
      if (namespace) return ctx.repos.memory.listNamespace(tenant, namespace, options);
      if (agentUuid) return ctx.repos.memory.listForAgent(tenant, agentUuid, options);
      if (sessionUuid) return ctx.repos.memory.listForSession(tenant, sessionUuid, options);
      return ctx.repos.memory.listAcross(tenant, options);
    },
  }),
);

const HitRef = builder.objectRef<{ record: MemoryRecord; score: number }>('MemorySearchHit').implement({
  fields: (t) => ({
    memory: t.field({ type: MemoryRef, nullable: false, resolve: (h) => h.record }),
    score: t.exposeFloat('score', { nullable: false }),
  }),
});

const SearchArgs = z.object({
  namespace: NamespaceSchema,
  query: z.string().min(1).max(1024),
  memoryType: optionalFilter(MemoryTypeSchema),
  userId: UserArg,
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullish()
    .transform((v) => v ?? 10),
});

builder.queryField('memorySearch', (t) =>
  t.field({
    type: [HitRef],
    nullable: false,
    description: 'Lexical search (BM25 with prefix and fuzzy matching) over one namespace, best first.',
    args: t.validate(
      {
        namespace: t.arg.string({ required: true }),
        query: t.arg.string({ required: true }),
        memoryType: t.arg.string(),
        userId: t.arg.string(),
        limit: t.arg.int(),
      },
      SearchArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { namespace, query, ...options } = raw as z.output<typeof SearchArgs>;
      return ctx.repos.memory.search(ctx.caller.tenant, namespace, query, options);
    },
  }),
);

const PutArgs = z.object({
  namespace: NamespaceSchema,
  key: optionalFilter(MemoryKeySchema),
  memoryType: optionalFilter(MemoryTypeSchema),
  memoryData: z.unknown(),
  agentUuid: IdSchema.nullish(),
  sessionUuid: IdSchema.nullish(),
  coordinationUuid: IdSchema.nullish(),
  userId: UserIdSchema.nullish(),
  ttlSeconds: MemoryTtlSchema.nullish(),
  updatedBy: UpdatedBySchema,
});

builder.mutationField('insertUpdateMemory', (t) =>
  t.field({
    type: payloadType('InsertUpdateMemoryPayload', 'memory', MemoryRef),
    nullable: false,
    description:
      'Creates a record (no key: one is generated) or writes the supplied fields of the record under (namespace, key). ttlSeconds: null clears the expiry.',
    args: t.validate(
      {
        namespace: t.arg.string({ required: true }),
        key: t.arg.string(),
        memoryType: t.arg.string(),
        memoryData: t.arg({ type: 'JSON' }),
        agentUuid: t.arg.string(),
        sessionUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        userId: t.arg.string(),
        ttlSeconds: t.arg.int(),
        updatedBy: t.arg.string({ required: true }),
      },
      PutArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof PutArgs>;
      const memory = await ctx.repos.memory.put(ctx.caller.tenant, {
        namespace: args.namespace,
        key: args.key ?? newId(),
        memory_type: args.memoryType,
        memory_data: args.memoryData,
        agent_uuid: args.agentUuid,
        session_uuid: args.sessionUuid,
        coordination_uuid: args.coordinationUuid,
        user_id: args.userId,
        ttl_seconds: args.ttlSeconds,
        updated_by: args.updatedBy,
      });
      return { memory };
    },
  }),
);

builder.mutationField('deleteMemory', (t) =>
  t.field({
    type: DeletePayloadRef,
    nullable: false,
    args: t.validate(
      {
        namespace: t.arg.string({ required: true }),
        key: t.arg.string({ required: true }),
        userId: t.arg.string(),
      },
      z.object({ namespace: NamespaceSchema, key: MemoryKeySchema, userId: UserArg }),
    ),
    resolve: async (_, args, ctx) => {
      await ctx.repos.memory.delete(ctx.caller.tenant, args.namespace, args.key, args.userId ?? undefined);
      return { ok: true };
    },
  }),
);
