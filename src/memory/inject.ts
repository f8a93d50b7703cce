import * as z from 'zod';
import type { Tenant } from '../tenant.js';
import { namespaceForScope, type ScopeContext } from './keys.js';
import { MemoryTypeSchema } from './model.js';
import type { MemoryRepository } from './repository.js';

/** An agent's `memory: {inject: [types], scope, limit}`: records placed in its input before it runs. */
export const MemoryInjectSchema = z.object({
  inject: z.array(MemoryTypeSchema).min(1).max(3),
  scope: z.enum(['agent', 'user', 'coordination', 'session']).default('agent'),
  limit: z.number().int().min(1).max(100).default(20),
});

/**
 * The block appended to the agent's input: one line per live record of the
 * scope's namespace whose type was asked for, in key order
 * (`memory(key, type): json`). Empty when the agent declares no injection.
 */
export async function memoryInput(
  memory: MemoryRepository,
  tenant: Tenant,
  agent: Record<string, unknown>,
  at: ScopeContext,
): Promise<string> {
  if (agent.memory === undefined || agent.memory === null) return '';
  const parsed = MemoryInjectSchema.safeParse(agent.memory);
  if (!parsed.success) return '';
  const { inject, scope, limit } = parsed.data;
  const lines: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await memory.listNamespace(tenant, namespaceForScope(scope, at), { limit: 100, nextToken });
    for (const record of page.items) {
      if (!inject.includes(record.memory_type) || lines.length >= limit) continue;
      lines.push(`memory(${record.key}, ${record.memory_type}): ${JSON.stringify(record.memory_data)}`);
    }
    nextToken = lines.length < limit ? page.nextToken : undefined;
  } while (nextToken);
  return lines.join('\n');
}
