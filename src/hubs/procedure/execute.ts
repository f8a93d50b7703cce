import type { Agent } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import { type SessionAgentKey, sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { RowAfter } from '../../domain/session-agent/transitions.js';
import { sessionEvent } from '../../events/session-events.js';
import { newId } from '../../ids.js';
import { memoryInput } from '../../memory/inject.js';
import { unstorableReason } from '../../payloads/reference.js';
import { prefetchedInput } from '../../prefetch/run.js';
import { tenantFields } from '../../queue/messages.js';
import { invokeAgentSpan } from '../../telemetry/genai.js';
import type { Tenant } from '../../tenant.js';
import { hasActionFunction } from './actions.js';
import type { HubContext, Invocation } from './context.js';
import { buildAgentInput } from './dag.js';
import { governAgentRun } from './governed-agent.js';
import { handleGovernedEnd } from './governed-outcomes.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import type { ResolvedPolicy } from './policy.js';
import {
  dispatchAgents,
  dispatchWaitingForSlot,
  onAgentCompleted,
  onAgentFailed,
  policyOf,
  sessionKeyOf,
} from './progress.js';
import { runAction } from './run-action.js';
import { errorMessage, runAgentWithPolicy } from './run-agent.js';
import { onRunStopped } from './run-stopped.js';
import { insertRunOnce, pauseForApproval, toolContextFor } from './tool-steps.js';

/**
 * One `execute_agent` delivery. Whatever the number of deliveries, the
 * conditional claim lets exactly one of them run the agent; the others find
 * nothing to do and return normally (the message is deleted).
 */
export async function executeAgent(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey & { coordination_uuid: string },
  invocation: Invocation = {},
): Promise<void> {
  // The row and the session are read at once: one round trip on the critical path, not two
  // (a duplicate delivery costs these two reads and nothing else).
  const [row, session] = await Promise.all([
    ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid),
    ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid),
  ]);
  const agent = row && (await unlessHeldElsewhere(ctx, tenant, key, row));
  if (!agent) {
    if (!row) ctx.logger.warn({ key }, 'execute_agent for a missing agent: nothing to do');
    return;
  }
  const nowMs = ctx.clock.now();
  const expired = agent.state === 'executing' && (agent.lease_until ?? 0) < nowMs;
  const runnable = agent.in_degree === 0 && (agent.state === 'initial' || expired);
  if (!runnable && agent.state !== 'pending') return; // a duplicate delivery: nothing else
  // fail_fast (or a finished session): nothing new starts.
  if (session?.status !== 'in_progress') return;
  if (agent.state === 'pending') return runAction(ctx, tenant, session, agent);

  // A completion may hand its first ready successor back to run here: the inline continuation.
  let next: Continuation | undefined = { session, agent };
  while (next) next = await claimAndRun(ctx, tenant, next.session, next.agent, invocation);
}

/** A ready agent this worker runs next, with the session as read beside the hop's decrement. */
interface Continuation {
  readonly session: Session;
  readonly agent: SessionAgent;
}

/**
 * Claims a ready agent (a slot first under max_parallel) and runs it under a
 * heartbeat lease; the successor its completion kept for this worker, if any.
 */
async function claimAndRun(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  invocation: Invocation,
): Promise<Continuation | undefined> {
  const key = sessionAgentKeyOf(agent);
  const sessionKey = sessionKeyOf(agent);
  const policy = policyOf(ctx, session);
  const slotted = policy.max_parallel !== undefined;
  if (
    slotted &&
    !(await ctx.repos.sessions.acquireSlot(
      tenant,
      sessionKey,
      agent.session_agent_uuid,
      policy.max_parallel!,
    ))
  ) {
    return; // stays ready; whoever frees a slot dispatches it again
  }
  const token = newId();
  const nowMs = ctx.clock.now();
  // Until the heartbeat registers the run, a duplicate here must still see the agent as this process's.
  const claimed = ctx.running.claiming(key);
  // The predecessors' outputs are read while the claim is written (a lost claim wastes one read).
  const [claim, read] = await Promise.allSettled([
    ctx.repos.sessionAgents.claim(tenant, key, token, nowMs + ctx.leaseMs, nowMs, newId()),
    ctx.repos.sessionAgents.batchGetOfSession(tenant, agent.session_uuid, agent.predecessor_uuids),
  ]);
  if (claim.status === 'rejected' || !claim.value) claimed();
  if (claim.status === 'rejected') throw claim.reason;
  if (!claim.value) {
    if (slotted) await releaseUnlessRunning(ctx, tenant, key, session);
    return;
  }
  // Claimed: a failed read is read again rather than leaving the claim to its lease.
  const predecessors =
    read.status === 'fulfilled'
      ? read.value
      : await ctx.repos.sessionAgents
          .batchGetOfSession(tenant, agent.session_uuid, agent.predecessor_uuids)
          .finally(claimed); // a read that fails here leaves the claim to its lease, not the mark forever
  // The event is written while the agent runs: one round trip less on the critical path.
  const executing = ctx.record(tenant, key.session_uuid, [sessionEvent.agentState(agent, 'executing')]);
  const heartbeat = startHeartbeat(ctx, tenant, key, token, invocation.deadlineMs);
  claimed();
  const run = runClaimedAgent(
    ctx,
    tenant,
    session,
    agent,
    predecessors,
    { token, runUuid: claim.value },
    { slotted, inline: mayContinueInline(invocation, policy) },
    executing,
    heartbeat,
  );
  try {
    const [, continuation] = await Promise.all([executing, run]);
    return continuation;
  } finally {
    heartbeat.end();
  }
}

/**
 * Below this remaining time (Lambda's), a ready successor goes through the
 * queue to a fresh worker rather than inline. Not the agent timeout itself:
 * with the defaults (a 120 s worker, 120 s agent timeout) nothing would ever
 * run inline, though most agent calls take seconds; a run that does outlast
 * the worker is handed back at the deadline (heartbeat `released`) and
 * dispatched again, as any claim is.
 */
const INLINE_MIN_REMAINING_MS = 30_000;

function mayContinueInline(invocation: Invocation, policy: ResolvedPolicy): boolean {
  if (invocation.deadlineMs === undefined) return true;
  return invocation.deadlineMs - Date.now() > Math.min(policy.agent_timeout_ms, INLINE_MIN_REMAINING_MS);
}

/**
 * The row, unless a live lease makes this delivery a duplicate (undefined).
 * A run of this process: its own delivery is still in flight here and comes
 * back from the queue if the process dies (the sweeper backs that up), so the
 * duplicate is dropped. Another worker's run: if that worker dies, this
 * delivery must take over once the lease ends, so it goes back to the queue
 * until then instead of being dropped.
 */
async function unlessHeldElsewhere(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey & { coordination_uuid: string },
  row: SessionAgent,
): Promise<SessionAgent | undefined> {
  const live = (r: SessionAgent) =>
    r.state === 'executing' && (r.lease_until ?? 0) >= ctx.clock.now() && !r.abort_requested;
  if (!live(row)) return row;
  if (ctx.running.holds(key)) return undefined;
  // A run of this process may have ended between the read and now (its final write lands before it
  // leaves the registry): read again rather than hold a message back for a whole lease for nothing.
  const fresh = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (!fresh || !live(fresh)) return fresh;
  if (ctx.running.holds(key)) return undefined;
  await deferDelivery(ctx, tenant, key, (fresh.lease_until ?? 0) - ctx.clock.now());
  return undefined;
}

/** The same execute_agent message again, hidden until the holder's lease ends (at most 15 minutes). */
async function deferDelivery(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey & { coordination_uuid: string },
  remainingMs: number,
) {
  await ctx.deps.queue.send(
    [
      {
        type: 'execute_agent',
        ...tenantFields(tenant),
        coordination_uuid: key.coordination_uuid,
        session_uuid: key.session_uuid,
        session_agent_uuid: key.session_agent_uuid,
      },
    ],
    { delaySeconds: Math.min(900, Math.ceil(Math.max(0, remainingMs) / 1000) + 1) },
  );
}

async function runClaimedAgent(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  predecessors: readonly SessionAgent[],
  claimed: { readonly token: string; readonly runUuid: string },
  mode: { readonly slotted: boolean; readonly inline: boolean },
  executingRecorded: Promise<unknown>,
  heartbeat: Heartbeat,
): Promise<Continuation | undefined> {
  const { slotted } = mode;
  const { token, runUuid } = claimed;
  const policy = policyOf(ctx, session);
  const agentConfig = agent.agent_config ?? (await configFromCoordination(ctx, tenant, agent));
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
    agentConfig ? await injectedMemory(ctx, tenant, session, agent, agentConfig) : '',
  );
  const inherited = agent.agent_action.primary_path ? predecessors[0]?.thread_uuid : undefined;
  const threadUuid = inherited ?? newId();
  const userId = session.user_id ?? 'system';

  let output: string;
  let usedThread = threadUuid;
  let asyncTaskUuid: string | undefined;
  const tries = { attempts: 0 };
  const governed = agentConfig && governAgentRun(ctx, tenant, session, agent, agentConfig, token);
  try {
    if (!agentConfig || !governed)
      throw new Error(`agent ${agent.agent_uuid} is not in coordination ${agent.coordination_uuid}`);
    const tools = toolContextFor(ctx, tenant, agent, runUuid);
    const result = await invokeAgentSpan(
      {
        agentName: agent.agent_name ?? agentConfig.agent_name ?? agent.agent_uuid,
        agentUuid: agent.agent_uuid,
        runtime: String(agentConfig.runtime ?? 'scripted'),
        ...(typeof agentConfig.model === 'string' && { model: agentConfig.model }),
        sessionUuid: agent.session_uuid,
        sessionAgentUuid: agent.session_agent_uuid,
      },
      () =>
        runAgentWithPolicy(
          // The governed runtime meters and budgets the tool calls of `tools` (the run's context).
          governed.runtime,
          { agent: agentConfig, threadUuid, input, userId, ...(tools && { tools }) },
          policy,
          ctx.retryBaseMs,
          heartbeat.signal,
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
    // Stopped (cancel, or this worker handing its claim back): whatever the call threw, that is why.
    const stopped = heartbeat.stopReason();
    if (stopped) {
      await onRunStopped(ctx, tenant, session, agent, token, input, stopped, slotted);
      return;
    }
    const run = { token, input, threadUuid, runFields: governed ? governed.runFields() : {} };
    if (await handleGovernedEnd(ctx, tenant, session, agent, run, error)) {
      if (slotted) await releaseSlot(ctx, tenant, session, agent);
      return;
    }
    const failure = { reason: errorMessage(error), input, attempts: tries.attempts };
    await failClaimedAgent(ctx, tenant, session, agent, token, slotted, failure);
    return;
  }

  await executingRecorded; // keeps "executing" before "completed" in the log
  const next = agent.agent_action.user_in_the_loop
    ? 'wait_for_user_input'
    : hasActionFunction(agent.agent_action.action_function)
      ? 'pending'
      : 'completed';
  let finished: RowAfter | undefined;
  try {
    finished = await recordResult(ctx, tenant, agent, token, {
      runUuid,
      usedThread,
      asyncTaskUuid,
      userId,
      input,
      output,
      next,
      runFields: governed?.runFields() ?? {},
    });
  } catch (error) {
    // A value that cannot be stored even in S3 fails this agent (with the reason), never the session's progress.
    const reason = unstorableReason(error);
    if (reason === undefined) throw error;
    await failClaimedAgent(ctx, tenant, session, agent, token, slotted, { reason, attempts: tries.attempts });
    return;
  }
  if (!finished) return; // the claim expired and another delivery took over: its result stands
  heartbeat.end();
  const recorded = ctx.record(tenant, agent.session_uuid, [
    sessionEvent.runRecorded({
      run_uuid: runUuid,
      session_agent_uuid: agent.session_agent_uuid,
      thread_uuid: usedThread,
    }),
    sessionEvent.agentOutput(agent.session_agent_uuid, output),
    sessionEvent.agentState(agent, next, undefined, { attempts: tries.attempts }),
  ]);
  // The edges as the terminal write left them: they include any edge a modification added before it.
  const done: SessionAgent = {
    ...agent,
    state: next,
    agent_input: input,
    agent_output: output,
    thread_uuid: usedThread,
    successor_uuids: finished.successor_uuids,
  };
  // The events and the successors' decrements are independent writes: both go at once.
  const [, continuation] = await Promise.all([
    recorded,
    (async () => {
      if (slotted) await releaseSlot(ctx, tenant, session, agent);
      if (next === 'completed') return completeAndKeepOne(ctx, tenant, done, mode.inline);
      if (next === 'pending') await runAction(ctx, tenant, session, done);
      return undefined;
    })(),
  ]);
  return continuation;
}

/**
 * The successors' decrements; with `inline`, the first successor made ready
 * is kept for this worker instead of a queue message (no queue hop, no read of
 * its row: the decrement returned it). The session is read beside the
 * decrements, so the kept one starts only if the session still runs, as a
 * delivery would have checked; if that read fails, the kept one is dispatched.
 */
async function completeAndKeepOne(
  ctx: HubContext,
  tenant: Tenant,
  done: SessionAgent,
  inline: boolean,
): Promise<Continuation | undefined> {
  const keep = inline && done.successor_uuids.length > 0;
  const [kept, session] = await Promise.all([
    onAgentCompleted(ctx, tenant, done, { keepOne: keep }),
    keep
      ? ctx.repos.sessions.find(tenant, done.coordination_uuid, done.session_uuid).catch((error: unknown) => {
          ctx.logger.warn({ err: error, session_uuid: done.session_uuid }, 'session read for inline failed');
          return null;
        })
      : undefined,
  ]);
  if (!kept) return undefined;
  if (session === null) {
    await dispatchAgents(ctx, tenant, sessionKeyOf(kept), [kept.session_agent_uuid]);
    return undefined;
  }
  // Paused, cancelled or failed since: it stays ready (resume dispatches it), as a delivery would leave it.
  if (session?.status !== 'in_progress') return undefined;
  return { session, agent: kept };
}

interface RunResult {
  readonly runUuid: string;
  readonly usedThread: string;
  readonly asyncTaskUuid?: string;
  readonly userId: string;
  readonly input: string;
  readonly output: string;
  readonly next: 'wait_for_user_input' | 'pending' | 'completed';
  /** The run's usage and guardrail findings (governance). */
  readonly runFields: Record<string, unknown>;
}

/**
 * The SessionRun (once per run uuid: a run resumed after a crash that followed
 * this write finds it there), then `executing -> next` with the output (false:
 * the claim was taken over).
 */
async function recordResult(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  token: string,
  run: RunResult,
): Promise<RowAfter | undefined> {
  await insertRunOnce(ctx, tenant, {
    session_uuid: agent.session_uuid,
    run_uuid: run.runUuid,
    thread_uuid: run.usedThread,
    agent_uuid: agent.agent_uuid,
    coordination_uuid: agent.coordination_uuid,
    async_task_uuid: run.asyncTaskUuid ?? null,
    session_agent_uuid: agent.session_agent_uuid,
    user_query: run.input,
    answer: run.output,
    status: 'completed',
    user_id: run.userId,
    updated_by: 'procedure-hub',
    ...run.runFields,
  });
  return ctx.repos.sessionAgents.finishRun(tenant, sessionAgentKeyOf(agent), token, {
    state: run.next,
    agent_input: run.input,
    agent_output: run.output,
    thread_uuid: run.usedThread,
    run_uuid: run.runUuid,
  });
}

/** `executing -> failed` with the reason, then the failure policy (fail_fast or continue). */
async function failClaimedAgent(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  token: string,
  slotted: boolean,
  failure: { readonly reason: string; readonly input?: string; readonly attempts: number },
): Promise<void> {
  const { reason, input } = failure;
  const key = sessionAgentKeyOf(agent);
  const failed = await ctx.repos.sessionAgents.finishRun(tenant, key, token, {
    state: 'failed',
    ...(input !== undefined && { agent_input: input }),
    notes: reason,
  });
  if (!failed) return;
  await ctx.record(tenant, agent.session_uuid, [
    sessionEvent.agentState(agent, 'failed', reason, { attempts: failure.attempts }),
  ]);
  if (slotted) await releaseSlot(ctx, tenant, session, agent);
  await onAgentFailed(ctx, tenant, session, { ...agent, state: 'failed', notes: reason }, reason);
}

async function releaseSlot(ctx: HubContext, tenant: Tenant, session: Session, agent: SessionAgent) {
  const key = sessionKeyOf(agent);
  await ctx.repos.sessions.releaseSlot(tenant, key, agent.session_agent_uuid);
  if (policyOf(ctx, session).max_parallel !== undefined) await dispatchWaitingForSlot(ctx, tenant, key);
}

/**
 * A delivery that took a slot but lost the claim: keep the slot if the agent
 * is running (it is the original delivery's slot), else give it back.
 */
async function releaseUnlessRunning(ctx: HubContext, tenant: Tenant, key: SessionAgentKey, session: Session) {
  const current = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (current && current.state === 'executing') return;
  await ctx.repos.sessions.releaseSlot(tenant, sessionKeyOf(session), key.session_agent_uuid);
  // Someone may have been refused a slot while this delivery held it.
  await dispatchWaitingForSlot(ctx, tenant, sessionKeyOf(session));
}

/** Rows written before agent_config was snapshotted: read the coordination. */
async function configFromCoordination(ctx: HubContext, tenant: Tenant, agent: SessionAgent) {
  const coordination = await ctx.repos.coordinations.find(tenant, agent.coordination_uuid);
  return coordination?.agents.find((a) => a.agent_uuid === agent.agent_uuid);
}

/** Memory blocks for the agent's input; a failure is logged and the agent runs without them. */
function injectedMemory(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  config: Agent,
) {
  return memoryInput(ctx.repos.memory, tenant, config as Record<string, unknown>, {
    agentUuid: agent.agent_uuid,
    coordinationUuid: agent.coordination_uuid,
    sessionUuid: agent.session_uuid,
    userId: session.user_id ?? null,
  }).catch((error: unknown) => {
    // Injected memory is context, not a precondition: the claimed agent still runs.
    ctx.logger.warn(
      { err: error, key: sessionAgentKeyOf(agent) },
      'memory injection failed; the agent runs without it',
    );
    return '';
  });
}

/** The agent's input, then the prefetched data and injected memory blocks (docs/MEMORY_AND_CACHE.md). */
function withContext(input: string, ...blocks: string[]): string {
  return [input, ...blocks.filter((b) => b !== '')].join('\n\n');
}
