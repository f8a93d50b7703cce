import * as z from 'zod';
import type { Tenant } from '../tenant.js';
import type { BuiltinCallContext, BuiltinTool } from '../tools/builtins.js';
import { type MemoryScope, namespaceForScope, type ScopeContext } from './keys.js';
import { MemoryKeySchema, MemoryTtlSchema, MemoryTypeSchema } from './model.js';
import type { MemoryRepository } from './repository.js';

/**
 * Who is calling a memory tool: the agent, its coordination and the session's
 * user, read from stored rows (the tool context carries only ids). The
 * procedure hub's SessionAgent row, else the operation hub's run row.
 */
export type ScopeResolver = (context: BuiltinCallContext) => Promise<ScopeContext>;

const ScopeSchema = z.enum(['agent', 'user', 'coordination', 'session']).default('agent');
const scopeProperty = {
  type: 'string',
  enum: ['agent', 'user', 'coordination', 'session'],
  description:
    'agent: this agent, for this user (default); user: every agent of this user; coordination: shared by the coordination’s agents; session: this session only.',
};

const PutArgs = z.object({
  key: MemoryKeySchema,
  value: z.unknown().refine((v) => v !== undefined, 'value is required'),
  memory_type: MemoryTypeSchema.default('persistent'),
  scope: ScopeSchema,
  ttl_seconds: MemoryTtlSchema.optional(),
});
const GetArgs = z.object({ key: MemoryKeySchema, scope: ScopeSchema });
const SearchArgs = z.object({
  query: z.string().min(1).max(1024),
  scope: ScopeSchema,
  memory_type: MemoryTypeSchema.optional(),
  limit: z.number().int().min(1).max(50).default(5),
});

function parse<T extends z.ZodType>(schema: T, args: unknown): z.output<T> {
  const result = schema.safeParse(args);
  if (!result.success)
    throw new Error(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}

/** memory_put, memory_get, memory_search: agent memory through the engine's tool loop. */
export function memoryTools(deps: { memory: MemoryRepository; resolveScope: ScopeResolver }): BuiltinTool[] {
  const where = async (context: BuiltinCallContext, scope: MemoryScope) => {
    const at = await deps.resolveScope(context);
    return { at, namespace: namespaceForScope(scope, at), tenant: context.tenant as Tenant };
  };
  const view = (r: { key: string; memory_type: string; memory_data: unknown; updated_at: string }) => ({
    key: r.key,
    memory_type: r.memory_type,
    value: r.memory_data,
    updated_at: r.updated_at,
  });

  return [
    {
      name: 'memory_put',
      description:
        'Remembers a value under a key (replacing what was there), for later sessions or other agents.',
      parameters: {
        type: 'object',
        properties: {
          key: { type: 'string', description: 'letters, digits or _ . : / @ -' },
          value: { description: 'any JSON value' },
          memory_type: { type: 'string', enum: ['working', 'persistent', 'shared'] },
          scope: scopeProperty,
          ttl_seconds: { type: 'integer', minimum: 1 },
        },
        required: ['key', 'value'],
        additionalProperties: false,
      },
      // Same arguments, same record: writing it again after a crash changes nothing but the version.
      idempotent: true,
      async run(args, context) {
        const input = parse(PutArgs, args);
        const { at, namespace, tenant } = await where(context, input.scope);
        const record = await deps.memory.put(tenant, {
          namespace,
          key: input.key,
          memory_type: input.memory_type,
          memory_data: input.value,
          agent_uuid: at.agentUuid,
          session_uuid: at.sessionUuid,
          coordination_uuid: at.coordinationUuid,
          user_id: at.userId ?? null,
          ...(input.ttl_seconds !== undefined && { ttl_seconds: input.ttl_seconds }),
          updated_by: `agent:${at.agentUuid}`,
        });
        return { stored: true, key: record.key, scope: input.scope, version: record.version };
      },
    },
    {
      name: 'memory_get',
      description: 'Reads the value remembered under a key, or {found: false}.',
      parameters: {
        type: 'object',
        properties: { key: { type: 'string' }, scope: scopeProperty },
        required: ['key'],
        additionalProperties: false,
      },
      idempotent: true,
      async run(args, context) {
        const input = parse(GetArgs, args);
        const { namespace, tenant } = await where(context, input.scope);
        const record = await deps.memory.find(tenant, namespace, input.key);
        return record ? { found: true, ...view(record) } : { found: false, key: input.key };
      },
    },
    {
      name: 'memory_search',
      description: 'Searches remembered values by words (best matches first).',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string' },
          scope: scopeProperty,
          memory_type: { type: 'string', enum: ['working', 'persistent', 'shared'] },
          limit: { type: 'integer', minimum: 1, maximum: 50 },
        },
        required: ['query'],
        additionalProperties: false,
      },
      idempotent: true,
      async run(args, context) {
        const input = parse(SearchArgs, args);
        const { namespace, tenant } = await where(context, input.scope);
        const hits = await deps.memory.search(tenant, namespace, input.query, {
          limit: input.limit,
          ...(input.memory_type && { memoryType: input.memory_type }),
        });
        return { results: hits.map((h) => ({ ...view(h.record), score: Number(h.score.toFixed(4)) })) };
      },
    },
  ];
}
