import type { Coordination } from '../../domain/coordination/model.js';
import type { SessionKey } from '../../domain/session/keys.js';
import type { Session } from '../../domain/session/model.js';
import { sweepShardOf } from '../../domain/session/transitions.js';
import type { ExecutionPolicy } from '../../domain/task/model.js';
import { AppError, ConflictError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import { withDefaultGuardrails } from '../../governance/governance.js';
import { newId } from '../../ids.js';
import type { PrefetchSpec } from '../../prefetch/spec.js';
import { tenantFields } from '../../queue/messages.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { planSession, validateDag } from './dag.js';
import { decompose } from './decompose.js';
import { resolvePolicy } from './policy.js';
import { prefetchForSession } from './prefetch.js';
import { dispatchAgents, failSession, policyOf } from './progress.js';

export interface ExecuteTaskSessionInput {
  readonly coordinationUuid: string;
  readonly taskUuid: string;
  readonly userId?: string | null;
  readonly taskQuery?: string | null;
  readonly policy?: ExecutionPolicy | null;
  readonly scheduleUuid?: string | null;
  /** A repeated key returns the first session and never starts a second one. */
  readonly idempotencyKey?: string | null;
  /** This execution's prefetch specs (run after the task's). */
  readonly prefetch?: readonly PrefetchSpec[] | null;
}

const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Creates the session (`dispatched`) and queues its start. The DAG is
 * validated first: an invalid task writes nothing.
 */
export async function executeProcedureTaskSession(
  ctx: HubContext,
  tenant: Tenant,
  input: ExecuteTaskSessionInput,
): Promise<Session> {
  const { repos } = ctx;
  let sessionUuid = newId();
  if (input.idempotencyKey) {
    const claimed = await claimIdempotencyKey(ctx, tenant, input, sessionUuid);
    if (claimed.existing) {
      const existing = await repos.sessions.find(tenant, input.coordinationUuid, claimed.sessionUuid);
      if (existing) return existing;
    }
    sessionUuid = claimed.sessionUuid; // a crash after the key and before the session: create it now
  }
  // Read at once, but reported in a fixed order: a missing task is named first, whichever read answers first.
  const [taskRead, coordinationRead] = await Promise.allSettled([
    repos.tasks.get(tenant, input.coordinationUuid, input.taskUuid),
    repos.coordinations.get(tenant, input.coordinationUuid),
  ]);
  if (taskRead.status === 'rejected') throw taskRead.reason;
  if (coordinationRead.status === 'rejected') throw coordinationRead.reason;
  const task = taskRead.value;
  const coordination = coordinationRead.value;
  validateDag(task.agent_actions, coordination.agents);
  const policy = resolvePolicy(ctx.deps.policyDefaults, task.execution_policy, input.policy);
  let session: Session;
  try {
    session = await repos.sessions.insert(tenant, {
      coordination_uuid: input.coordinationUuid,
      session_uuid: sessionUuid,
      task_uuid: input.taskUuid,
      user_id: input.userId ?? undefined,
      task_query: input.taskQuery ?? task.initial_task_query ?? null,
      iteration_count: 0,
      subtask_queries: task.subtask_queries,
      status: 'dispatched',
      execution_policy: policy,
      schedule_uuid: input.scheduleUuid ?? null,
      ...(input.prefetch?.length && { prefetch: [...input.prefetch] }),
      sweep_shard: sweepShardOf(sessionUuid),
      updated_by: input.userId ?? 'procedure-hub',
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return repos.sessions.get(tenant, input.coordinationUuid, sessionUuid);
  }
  await ctx.record(tenant, sessionUuid, [
    sessionEvent.sessionStatus('dispatched', { task_uuid: input.taskUuid }),
  ]);
  await ctx.deps.queue.send([
    {
      type: 'start_session',
      ...tenantFields(tenant),
      coordination_uuid: input.coordinationUuid,
      session_uuid: sessionUuid,
    },
  ]);
  return session;
}

async function claimIdempotencyKey(
  ctx: HubContext,
  tenant: Tenant,
  input: ExecuteTaskSessionInput,
  sessionUuid: string,
): Promise<{ existing: boolean; sessionUuid: string }> {
  const claim = await ctx.repos.idempotencyKeys.claim(
    `procedure#${tenant.partitionKey}#${input.idempotencyKey}`,
    {
      partition_key: tenant.partitionKey,
      session_uuid: sessionUuid,
      coordination_uuid: input.coordinationUuid,
      task_uuid: input.taskUuid,
    },
    IDEMPOTENCY_TTL_SECONDS,
  );
  return claim.claimed
    ? { existing: false, sessionUuid }
    : { existing: true, sessionUuid: String(claim.stored.session_uuid) };
}

/**
 * `start_session`: subtask queries (decomposing if the task has none), one
 * SessionAgent each, `dispatched -> in_progress`, then the in-degree-0
 * agents go on the queue. Idempotent: rows derive their ids from the
 * session, and existing ones are left alone.
 */
export async function startSession(ctx: HubContext, tenant: Tenant, key: SessionKey): Promise<void> {
  const { repos } = ctx;
  let session = await repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
  if (!session || (session.status !== 'dispatched' && session.status !== 'in_progress')) return;
  const coordination = await repos.coordinations.find(tenant, key.coordination_uuid);
  const task = session.task_uuid
    ? await repos.tasks.find(tenant, key.coordination_uuid, session.task_uuid)
    : undefined;
  if (!coordination || !task) {
    await failSession(ctx, tenant, key, 'the task or its coordination no longer exists');
    return;
  }
  const policy = policyOf(ctx, session);
  if (session.subtask_queries.length === 0) {
    const outcome = await decompose(ctx, {
      agents: coordination.agents,
      taskQuery: session.task_query ?? task.initial_task_query ?? '',
      userId: session.user_id ?? 'system',
      policy,
    });
    if (!outcome.ok) {
      await failSession(ctx, tenant, key, outcome.reason);
      return;
    }
    if (!(await repos.sessions.setSubtaskQueries(tenant, key, outcome.queries))) {
      // another delivery's answer won
      session = await repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
      if (!session) return;
    } else {
      session = { ...session, subtask_queries: outcome.queries };
    }
  }
  let plan: ReturnType<typeof planSession>;
  try {
    plan = planSession({
      sessionUuid: key.session_uuid,
      agents: coordination.agents,
      agentActions: task.agent_actions,
      subtaskQueries: session.subtask_queries,
      taskQuery: session.task_query,
    });
    if (plan.length === 0) throw new Error('no task agent has a subtask query');
  } catch (error) {
    await failSession(
      ctx,
      tenant,
      key,
      error instanceof AppError || error instanceof Error ? error.message : String(error),
    );
    return;
  }
  // Prefetch runs before any agent is ready: a duplicate start finds it stored and skips it.
  if (session.status === 'dispatched') {
    session = await prefetchForSession(ctx, tenant, key, session, task, coordination.agents);
  }
  // A duplicate start of a running session only re-dispatches (cheap, and the claim makes it harmless).
  const created = session.status === 'in_progress' ? [] : plan;
  await Promise.all(
    created.map((agent) =>
      repos.sessionAgents.insertIfAbsent(tenant, {
        ...agent,
        agent_config: configSnapshot(coordination, agent.agent_uuid),
        session_uuid: key.session_uuid,
        coordination_uuid: key.coordination_uuid,
        state: 'initial',
        updated_by: 'procedure-hub',
      }),
    ),
  );
  if (
    await repos.sessions.setStatus(tenant, key, ['dispatched'], 'in_progress', { agent_count: plan.length })
  ) {
    await ctx.record(tenant, key.session_uuid, [
      sessionEvent.sessionStatus('in_progress', { agent_count: plan.length }),
    ]);
  }
  const current = await repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
  if (current?.status !== 'in_progress') return;
  await dispatchAgents(
    ctx,
    tenant,
    key,
    plan.filter((a) => a.in_degree === 0).map((a) => a.session_agent_uuid),
  );
}

/** The agent as the session will run it: the coordination's default guardrails filled in. */
function configSnapshot(coordination: Coordination, agentUuid: string) {
  const config = coordination.agents.find((a) => a.agent_uuid === agentUuid);
  return config ? withDefaultGuardrails(config, coordination) : null;
}
