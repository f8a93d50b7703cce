import type { Agent } from '../../domain/coordination/model.js';
import type { SessionKey } from '../../domain/session/keys.js';
import type { Session } from '../../domain/session/model.js';
import type { Task } from '../../domain/task/model.js';
import { sessionEvent } from '../../events/session-events.js';
import { type PrefetchFetcher, runPrefetch } from '../../prefetch/run.js';
import { DEFAULT_PREFETCH_TIMEOUT_MS, type PrefetchSpec } from '../../prefetch/spec.js';
import type { Tenant } from '../../tenant.js';
import { type ToolSpec, ToolSpecSchema } from '../../tools/spec.js';
import type { Toolbox } from '../../tools/toolbox.js';
import type { HubContext } from './context.js';

/**
 * The tool a spec's `fn` names: one of the coordination's agents' tools
 * (an http/lambda/builtin spec of that name, else an MCP server offering it),
 * else the builtin of that name. Tools that need a person's approval are
 * refused: nobody is there to approve before the agents start.
 */
export function toolboxFetcher(
  toolbox: Toolbox | undefined,
  tenant: Tenant,
  sessionUuid: string,
  agents: readonly Agent[],
): PrefetchFetcher {
  const declared: ToolSpec[] = agents.flatMap((agent) => {
    const tools = (agent as Record<string, unknown>).tools;
    return (Array.isArray(tools) ? tools : []).flatMap((t) => {
      const parsed = ToolSpecSchema.safeParse(t);
      return parsed.success ? [parsed.data] : [];
    });
  });
  return async (spec, signal) => {
    if (!toolbox) throw new Error('no tools are wired on this deployment');
    const named = declared.filter((t) => t.type !== 'mcp' && t.name === spec.fn);
    const candidates: ToolSpec[] =
      named.length > 0
        ? named.slice(0, 1)
        : [...declared.filter((t) => t.type === 'mcp'), { type: 'builtin', name: spec.fn }];
    let lastError: unknown;
    for (const candidate of candidates) {
      let tools: Awaited<ReturnType<Toolbox['resolve']>>;
      try {
        tools = await toolbox.resolve([candidate]);
      } catch (error) {
        lastError = error;
        continue;
      }
      const tool = tools.find((t) => t.name === spec.fn);
      if (!tool) continue;
      if (tool.needsApproval) throw new Error(`tool ${spec.fn} needs approval; prefetch cannot ask for it`);
      const outcome = await tool.invoke(spec.params, {
        tenant,
        runUuid: `prefetch-${sessionUuid}`,
        callId: spec.cache_key,
        sessionUuid,
        signal,
      });
      if (!outcome.ok) throw new Error(String(outcome.value));
      return outcome.value;
    }
    throw new Error(
      lastError instanceof Error
        ? lastError.message
        : `no tool named ${spec.fn} among the agents' tools or builtins`,
    );
  };
}

/**
 * Before the first agents run: fetch the task's and this execution's specs
 * and store the data on the session, once. The write is conditioned on no
 * prefetch being stored yet, so of two deliveries of start_session one
 * records (and its events stand); the other re-reads the session.
 */
export async function prefetchForSession(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
  session: Session,
  task: Task,
  agents: readonly Agent[],
): Promise<Session> {
  const specs: PrefetchSpec[] = [...(task.prefetch ?? []), ...(session.prefetch ?? [])];
  if (specs.length === 0 || session.prefetched) return session;
  const timeoutMs = session.execution_policy?.prefetch_timeout_ms ?? DEFAULT_PREFETCH_TIMEOUT_MS;
  const result = await runPrefetch(
    {
      cache: ctx.repos.cache,
      fetch: ctx.deps.prefetchFetcher ?? toolboxFetcher(ctx.deps.toolbox, tenant, key.session_uuid, agents),
    },
    tenant,
    specs,
    timeoutMs,
  );
  const stored = await ctx.repos.sessions.setPrefetched(tenant, key, result.prefetched, result.warnings);
  if (!stored) {
    // Another delivery stored its prefetch first: its data (and its events) stand.
    return (await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid)) ?? session;
  }
  await ctx.record(
    tenant,
    key.session_uuid,
    result.outcomes.map((o) =>
      sessionEvent.prefetch({
        cache_key: o.cache_key,
        fn: o.fn,
        status: o.status,
        ...(o.error && { error: o.error }),
      }),
    ),
  );
  return {
    ...session,
    prefetched: result.prefetched,
    warnings: [...(session.warnings ?? []), ...result.warnings],
  };
}
