import * as z from 'zod';
import { DescriptionSchema, IdSchema, NameSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import type { Coordination } from '../../domain/coordination/model.js';
import { AgentSchema } from '../../domain/coordination/model.js';
import { deleteCoordination } from '../../domain/delete-protection.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { FilterText, jsonInput, OptionalId, PageArgsSchema, requireForInsert, supplied } from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

declare module '../context.js' {
  interface Services {
    /** Checks agents' tool specs when a coordination is written (egress allow-list, Lambda prefix, builtins). */
    tools?: { check(agents: readonly Record<string, unknown>[]): string[] };
  }
}

/** A refused tool is a BAD_USER_INPUT naming the agent, the tool and why; nothing is written. */
function assertToolsAllowed(
  ctx: { services: { tools?: { check(agents: readonly Record<string, unknown>[]): string[] } } },
  agents: readonly Record<string, unknown>[] | null | undefined,
) {
  if (!agents || !ctx.services.tools) return;
  const problems = ctx.services.tools.check(agents);
  if (problems.length > 0) throw new ValidationError(`tools refused: ${problems.join('; ')}`, { problems });
}

/** Loaded by uuid within the caller's tenant; BatchGetItem behind a per-request DataLoader. */
export const CoordinationRef = builder.loadableObjectRef('Coordination', {
  load: (uuids: string[], ctx) => ctx.repos.coordinations.batchGet(ctx.caller.tenant, uuids),
  // BatchGetItem answers in any order: sort maps items to keys; resolved objects prime the cache.
  toKey: (coordination: Coordination) => coordination.coordination_uuid,
  sort: true,
  cacheResolved: true,
  loaderOptions: { maxBatchSize: 100 },
});

CoordinationRef.implement({
  description: 'A set of agents that answer queries together.',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    coordinationName: t.exposeString('coordination_name', { nullable: false }),
    coordinationDescription: t.exposeString('coordination_description'),
    agents: t.field({
      type: 'JSON',
      description: 'List of {agentUuid, agentName, agentDescription, agentType, runtime?, script?, ...}.',
      resolve: (c) => toCamelDeep(c.agents),
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

const AgentsInput = jsonInput(
  z
    .array(AgentSchema)
    .max(200)
    .refine(
      (agents) => new Set(agents.map((a) => a.agent_uuid)).size === agents.length,
      'agentUuid must be unique',
    ),
);

const InsertUpdateArgs = z.object({
  coordinationUuid: OptionalId,
  coordinationName: NameSchema.optional(),
  coordinationDescription: DescriptionSchema.nullish(),
  agents: AgentsInput,
  updatedBy: UpdatedBySchema,
});

builder.queryField('coordination', (t) =>
  t.field({
    type: CoordinationRef,
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) => ctx.repos.coordinations.get(ctx.caller.tenant, args.coordinationUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  coordinationName: FilterText,
  coordinationDescription: FilterText,
});
const CoordinationListRef = listType('CoordinationListType', 'coordinationList', CoordinationRef);

builder.queryField('coordinationList', (t) =>
  t.field({
    type: CoordinationListRef,
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        coordinationName: t.arg.string(),
        coordinationDescription: t.arg.string(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.coordinations.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const InsertUpdateCoordinationRef = payloadType(
  'InsertUpdateCoordinationPayload',
  'coordination',
  CoordinationRef,
);

builder.mutationField('insertUpdateCoordination', (t) =>
  t.field({
    type: InsertUpdateCoordinationRef,
    description: 'Creates a coordination (no coordinationUuid) or updates the supplied fields of one.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string(),
        coordinationName: t.arg.string(),
        coordinationDescription: t.arg.string(),
        agents: t.arg({ type: 'JSON' }),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      assertToolsAllowed(ctx, args.agents);
      const fields = supplied({
        coordination_name: args.coordinationName,
        coordination_description: args.coordinationDescription,
        agents: args.agents ?? (args.agents === null ? [] : undefined),
        updated_by: args.updatedBy,
      });
      if (args.coordinationUuid) {
        const coordination = await ctx.repos.coordinations.update(tenant, args.coordinationUuid, {
          ...fields,
          updated_by: args.updatedBy,
        });
        return { coordination };
      }
      requireForInsert('Coordination', { coordinationName: args.coordinationName });
      const coordination = await ctx.repos.coordinations.insert(tenant, {
        coordination_uuid: newId(),
        coordination_name: args.coordinationName as string,
        coordination_description: args.coordinationDescription ?? undefined,
        agents: args.agents ?? [],
        updated_by: args.updatedBy,
      });
      return { coordination };
    },
  }),
);

builder.mutationField('deleteCoordination', (t) =>
  t.field({
    type: DeletePayloadRef,
    description: 'Deletes a coordination; CONFLICT while it has tasks or sessions.',
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      await deleteCoordination(ctx.repos, ctx.caller.tenant, args.coordinationUuid);
      return { ok: true };
    },
  }),
);
