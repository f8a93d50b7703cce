import type { Agent } from '../../domain/coordination/model.js';
import { newId } from '../../ids.js';
import { memoryInput } from '../../memory/inject.js';
import { prefetchedInput } from '../../prefetch/run.js';
import { invokeAgentSpan } from '../../telemetry/genai.js';
import type { Tenant } from '../../tenant.js';
import { type ActionAgentView, type ActionResult, hasActionFunction } from './actions.js';
import { sessionAgentTraces } from './agent-traces.js';
import type { HubContext } from './context.js';
import { buildAgentInput } from './dag.js';
import { governAgentRun } from './governed-agent.js';
import { handleGovernedEnd } from './governed-outcomes.js';
import { claimLeaseMs } from './policy.js';
import {
  dispatchWaitingForSlot,
  onAgentCompleted,
  onAgentFailed,
  policyOf,
  sessionKeyOf,
} from './progress.js';
import type { AgentRecord, SessionRecord } from './records.js';
import { errorMessage, runAgentWithPolicy } from './run-agent.js';
import type { AgentKey } from './store.js';
import { insertRunOnce, pauseForApproval, toolContextFor } from './tool-steps.js';

/**
 * One `execute_agent` delivery. Whatever the number of deliveries, the
 * conditional claim lets exactly one of them run the agent; the others find
 * nothing to do and return normally (the message is deleted).
 */
export async function executeAgent(
  ctx: HubContext,
  tenant: Tenant,
  key: AgentKey & { coordination_uuid: string },
): Promise<void> {
  const sessionKey = { coordination_uuid: key.coordination_uuid, session_uuid: key.session_uuid };
  // The row and the session are read at once: one round trip on the critical path, not two
  // (a duplicate delivery costs these two reads and nothing else).
  const [agent, session] = await Promise.all([
    ctx.store.getAgent(tenant, key),
    ctx.store.getSession(tenant, sessionKey),
  ]);
  if (!agent) {
    ctx.logger.warn({ key }, 'execute_agent for a missing agent: nothing to do');
    return;
  }
  const nowMs = ctx.clock.now();
  const expired = agent.state === 'executing' && (agent.lease_until ?? 0) < nowMs;
  const runnable = agent.in_degree === 0 && (agent.state === 'initial' || expired);
  if (!runnable && agent.state !== 'pending') return; // a duplicate delivery: nothing else
  // fail_fast (or a finished session): nothing new starts.
  if (session?.status !== 'in_progress') return;
  if (agent.state === 'pending') return runAction(ctx, tenant, session, agent);

  const policy = policyOf(ctx, session);
  const slotted = policy.max_parallel !== undefined;
  if (
    slotted &&
    !(await ctx.store.acquireSlot(tenant, sessionKey, agent.session_agent_uuid, policy.max_parallel!))
  ) {
    return; // stays ready; whoever frees a slot dispatches it again
  }
  const token = newId();
  // The predecessors' outputs are read while the claim is written (a lost claim wastes one read).
  const [claim, read] = await Promise.allSettled([
    ctx.store.claim(tenant, key, token, nowMs + claimLeaseMs(policy), nowMs, newId()),
    ctx.store.batchGetAgents(tenant, agent.session_uuid, agent.predecessor_uuids),
  ]);
  if (claim.status === 'rejected') throw claim.reason;
  if (!claim.value) {
    if (slotted) await releaseUnlessRunning(ctx, tenant, key, session);
    return;
  }
  // Claimed: a failed read is read again rather than leaving the claim to its lease.
  const predecessors =
    read.status === 'fulfilled'
      ? read.value
      : await ctx.store.batchGetAgents(tenant, agent.session_uuid, agent.predecessor_uuids);
  // The event is written while the agent runs: one round trip less on the critical path.
  const executing = ctx.record(tenant, key.session_uuid, [agentState(agent, 'executing')]);
  const claimed = { token, runUuid: claim.value };
  const run = runClaimedAgent(ctx, tenant, session, agent, predecessors, claimed, slotted, executing);
  await Promise.all([executing, run]);
}

async function runClaimedAgent(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionRecord,
  agent: AgentRecord,
  predecessors: readonly AgentRecord[],
  claimed: { readonly token: string; readonly runUuid: string },
  slotted: boolean,
  executingRecorded: Promise<unknown>,
): Promise<void> {
  const { token, runUuid } = claimed;
  const key = { session_uuid: agent.session_uuid, session_agent_uuid: agent.session_agent_uuid };
  const policy = policyOf(ctx, session);
  const agentConfig =
    (agent.agent_config as Agent | undefined) ?? (await configFromCoordination(ctx, tenant, agent));
  const input = withContext(
    buildAgentInput(
      agent.subtask_query ?? '',
      predecessors.map((p) => ({
        agent_name: p.agent_name ?? p.agent_uuid,
        agent_output: p.agent_output,
        user_input: p.user_input,
      })),
    ),
    prefetchedInput(session.prefetched, agent.agent_uuid),
    agentConfig
      ? await memoryInput(ctx.deps.repos.memory, tenant, agentConfig as Record<string, unknown>, {
          agentUuid: agent.agent_uuid,
          coordinationUuid: agent.coordination_uuid,
          sessionUuid: agent.session_uuid,
          userId: session.user_id ?? null,
        }).catch((error: unknown) => {
          // Injected memory is context, not a precondition: the claimed agent still runs.
          ctx.logger.warn({ err: error, key }, 'memory injection failed; the agent runs without it');
          return '';
        })
      : '',
  );
  const inherited = agent.agent_action.primary_path ? predecessors[0]?.thread_uuid : undefined;
  const threadUuid = inherited ?? newId();
  const userId = session.user_id ?? 'system';

  let output: string;
  let usedThread = threadUuid;
  let asyncTaskUuid: string | undefined;
  const tries = { attempts: 0 };
  const governed = agentConfig && governAgentRun(ctx, tenant, session, agent, agentConfig as Agent, token);
  try {
    if (!agentConfig || !governed)
      throw new Error(`agent ${agent.agent_uuid} is not in coordination ${agent.coordination_uuid}`);
    const config = agentConfig as Agent;
    const tools = toolContextFor(ctx, tenant, agent, runUuid);
    const result = await invokeAgentSpan(
      {
        agentName: agent.agent_name ?? config.agent_name ?? agent.agent_uuid,
        agentUuid: agent.agent_uuid,
        runtime: String(config.runtime ?? 'scripted'),
        ...(typeof config.model === 'string' && { model: config.model }),
        sessionUuid: agent.session_uuid,
        sessionAgentUuid: agent.session_agent_uuid,
      },
      () =>
        runAgentWithPolicy(
          // The governed runtime meters and budgets the tool calls of `tools` (the run's context).
          governed.runtime,
          { agent: config, threadUuid, input, userId, ...(tools && { tools }) },
          policy,
          ctx.retryBaseMs,
          tries,
        ),
    );
    if (result.pendingToolCalls) {
      await executingRecorded;
      await pauseForApproval(
        ctx,
        tenant,
        session,
        agent,
        { token, runUuid, input, slotted },
        result.pendingToolCalls,
      );
      return;
    }
    output = result.output;
    usedThread = result.threadUuid || threadUuid;
    asyncTaskUuid = result.asyncTaskUuid;
  } catch (error) {
    await executingRecorded;
    const run = { token, input, threadUuid, runFields: governed ? governed.runFields() : {} };
    if (await handleGovernedEnd(ctx, tenant, session, agent, run, error)) {
      if (slotted) await releaseSlot(ctx, tenant, session, agent);
      return;
    }
    const reason = errorMessage(error);
    const failed = await ctx.store.finishRun(tenant, key, token, {
      state: 'failed',
      agent_input: input,
      notes: reason,
    });
    if (!failed) return;
    await ctx.record(tenant, agent.session_uuid, [
      agentState(agent, 'failed', { notes: reason, attempts: tries.attempts }),
    ]);
    if (slotted) await releaseSlot(ctx, tenant, session, agent);
    await onAgentFailed(ctx, tenant, session, { ...agent, state: 'failed', notes: reason }, reason);
    return;
  }

  await executingRecorded; // keeps "executing" before "completed" in the log
  await ctx.store.write('run_insert', () =>
    insertRunOnce(ctx, tenant, {
      session_uuid: agent.session_uuid,
      run_uuid: runUuid,
      thread_uuid: usedThread,
      agent_uuid: agent.agent_uuid,
      coordination_uuid: agent.coordination_uuid,
      async_task_uuid: asyncTaskUuid ?? null,
      session_agent_uuid: agent.session_agent_uuid,
      user_query: input,
      answer: output,
      status: 'completed',
      user_id: userId,
      updated_by: 'procedure-hub',
      ...governed?.runFields(),
    }),
  );
  const next = agent.agent_action.user_in_the_loop
    ? 'wait_for_user_input'
    : hasActionFunction(agent.agent_action.action_function)
      ? 'pending'
      : 'completed';
  const finished = await ctx.store.finishRun(tenant, key, token, {
    state: next,
    agent_input: input,
    agent_output: output,
    thread_uuid: usedThread,
    run_uuid: runUuid,
  });
  if (!finished) return; // the claim expired and another delivery took over: its result stands
  const recorded = ctx.record(tenant, agent.session_uuid, [
    {
      type: 'run_recorded',
      data: { run_uuid: runUuid, session_agent_uuid: agent.session_agent_uuid, thread_uuid: usedThread },
    },
    { type: 'agent_output', data: { session_agent_uuid: agent.session_agent_uuid, output } },
    agentState(agent, next, { attempts: tries.attempts }),
  ]);
  const done: AgentRecord = {
    ...agent,
    state: next,
    agent_input: input,
    agent_output: output,
    thread_uuid: usedThread,
  };
  // The events and the successors' decrements are independent writes: both go at once.
  await Promise.all([
    recorded,
    (async () => {
      if (slotted) await releaseSlot(ctx, tenant, session, agent);
      if (next === 'completed') await onAgentCompleted(ctx, tenant, done);
      else if (next === 'pending') await runAction(ctx, tenant, session, done);
    })(),
  ]);
}

/** A `pending` agent's action function: leased (one runner at a time), then `completed` or `failed`. */
export async function runAction(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionRecord,
  agent: AgentRecord,
): Promise<void> {
  const key = { session_uuid: agent.session_uuid, session_agent_uuid: agent.session_agent_uuid };
  const policy = policyOf(ctx, session);
  const nowMs = ctx.clock.now();
  if (!(await ctx.store.claimAction(tenant, key, nowMs + policy.agent_timeout_ms + 60_000, nowMs))) return;
  const view = (a: AgentRecord): ActionAgentView => ({
    session_agent_uuid: a.session_agent_uuid,
    agent_uuid: a.agent_uuid,
    agent_name: a.agent_name,
    subtask_query: a.subtask_query,
    agent_input: a.agent_input,
    agent_output: a.agent_output,
    user_input: a.user_input,
    state: a.state,
  });
  const [predecessors, successors] = await Promise.all([
    ctx.store.batchGetAgents(tenant, agent.session_uuid, agent.predecessor_uuids),
    ctx.store.batchGetAgents(tenant, agent.session_uuid, agent.successor_uuids),
  ]);
  let result: ActionResult;
  try {
    result = await ctx.actions.run(agent.agent_action.action_function as Record<string, unknown>, {
      tenant,
      sessionUuid: agent.session_uuid,
      sessionAgent: view(agent),
      predecessors: predecessors.map(view),
      successors: successors.map(view),
      signal: AbortSignal.timeout(policy.agent_timeout_ms),
      agentTraces: () => sessionAgentTraces(ctx, tenant, agent.session_uuid),
    });
  } catch (error) {
    const reason = `action function failed: ${errorMessage(error)}`;
    if (!(await ctx.store.finishAction(tenant, key, { state: 'failed', notes: reason }))) return;
    await ctx.record(tenant, agent.session_uuid, [agentState(agent, 'failed', { notes: reason })]);
    await onAgentFailed(ctx, tenant, session, { ...agent, state: 'failed', notes: reason }, reason);
    return;
  }
  if (!(await ctx.store.finishAction(tenant, key, { state: 'completed', ...result }))) return;
  await ctx.record(tenant, agent.session_uuid, [
    ...(result.agent_output !== undefined
      ? [
          {
            type: 'agent_output',
            data: { session_agent_uuid: agent.session_agent_uuid, output: result.agent_output },
          },
        ]
      : []),
    agentState(agent, 'completed', result.notes ? { notes: result.notes } : {}),
  ]);
  await onAgentCompleted(ctx, tenant, {
    ...agent,
    state: 'completed',
    agent_output: result.agent_output ?? agent.agent_output,
  });
}

async function releaseSlot(ctx: HubContext, tenant: Tenant, session: SessionRecord, agent: AgentRecord) {
  const key = sessionKeyOf(agent);
  await ctx.store.releaseSlot(tenant, key, agent.session_agent_uuid);
  if (policyOf(ctx, session).max_parallel !== undefined) await dispatchWaitingForSlot(ctx, tenant, key);
}

/**
 * A delivery that took a slot but lost the claim: keep the slot if the agent
 * is running (it is the original delivery's slot), else give it back.
 */
async function releaseUnlessRunning(ctx: HubContext, tenant: Tenant, key: AgentKey, session: SessionRecord) {
  const current = await ctx.store.getAgent(tenant, key);
  if (current && current.state === 'executing') return;
  await ctx.store.releaseSlot(tenant, sessionKeyOf(session), key.session_agent_uuid);
  // Someone may have been refused a slot while this delivery held it.
  await dispatchWaitingForSlot(ctx, tenant, sessionKeyOf(session));
}

/** Rows written before agent_config was snapshotted: read the coordination. */
async function configFromCoordination(ctx: HubContext, tenant: Tenant, agent: AgentRecord) {
  const coordination = await ctx.deps.repos.coordinations.find(tenant, agent.coordination_uuid);
  return coordination?.agents.find((a) => a.agent_uuid === agent.agent_uuid);
}

export function agentState(agent: AgentRecord, state: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'agent_state',
    data: {
      session_agent_uuid: agent.session_agent_uuid,
      agent_uuid: agent.agent_uuid,
      agent_name: agent.agent_name,
      state,
      ...extra,
    },
  };
}

/** The agent's input, then the prefetched data and injected memory blocks (docs/MEMORY_AND_CACHE.md). */
function withContext(input: string, ...blocks: string[]): string {
  return [input, ...blocks.filter((b) => b !== '')].join('\n\n');
}
