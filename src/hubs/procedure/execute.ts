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
import { invokeAgentSpan } from '../../telemetry/genai.js';
import type { Tenant } from '../../tenant.js';
import { hasActionFunction } from './actions.js';
import { type Claimed, claimReady, unlessHeldElsewhere } from './claim.js';
import type { HubContext, Invocation } from './context.js';
import { buildAgentInput } from './dag.js';
import { governAgentRun } from './governed-agent.js';
import { handleGovernedEnd } from './governed-outcomes.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import { type Continuation, completeAndKeep, mayContinueInline } from './inline.js';
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

  // A completion may hand ready successors back to run here: the inline continuation.
  await runReady(ctx, tenant, { session, agents: [agent] }, invocation, 'delivered');
}

/** Whose the agents are: this delivery's own (its failure is the delivery's), or kept inline by a completion. */
type Origin = 'delivered' | 'inline';

/**
 * Claims the ready agents (a slot first for each, under max_parallel) and
 * runs each as soon as its own claim lands, under its own heartbeat lease;
 * then, as each completes, the successors its completion kept for this
 * worker. One append, once every claim has settled, records the events a
 * predecessor carried and every claimed agent's `executing` event; a run
 * waits for it only before its result write. An inline agent belongs to no
 * delivery of its own, so a failure there (DynamoDB, S3) does not send the
 * current message back: the agent gets the message it would have had, and
 * that message's retries (and DLQ) take over.
 */
async function runReady(
  ctx: HubContext,
  tenant: Tenant,
  ready: Continuation,
  invocation: Invocation,
  origin: Origin,
): Promise<void> {
  const { session, agents, carried = [], places = [] } = ready;
  const claims = agents.map((agent) => claimReady(ctx, tenant, session, agent));
  const executing = Promise.allSettled(claims).then((settled) => {
    const started = agents.filter((_, i) => {
      const claim = settled[i];
      return claim?.status === 'fulfilled' && claim.value !== undefined;
    });
    const events = [...carried, ...started.map((agent) => sessionEvent.agentState(agent, 'executing'))];
    return events.length > 0 ? ctx.record(tenant, session.session_uuid, events) : undefined;
  });
  // Awaited below and by every run; this only keeps a failure seen first elsewhere from going unhandled.
  executing.catch(() => undefined);
  await Promise.all(
    agents.map(async (agent, i) => {
      let next: Continuation | undefined;
      try {
        let claim: Claimed | undefined;
        try {
          claim = await claims[i];
        } finally {
          places[i]?.(); // its place, given back once the claim settles: a won claim registers its run now
        }
        if (!claim) return;
        next = await runUnderLease(ctx, tenant, session, agent, claim, executing, invocation);
      } catch (error) {
        if (origin === 'delivered') {
          await executing;
          throw error;
        }
        await handToQueue(ctx, tenant, agent, error);
        return;
      }
      if (next) await runReady(ctx, tenant, next, invocation, 'inline');
    }),
  );
  await executing; // the carried events are appended even when nothing started here
}

/** An inline agent that failed here goes through the queue, as the message it would have had. */
async function handToQueue(ctx: HubContext, tenant: Tenant, agent: SessionAgent, error: unknown) {
  const key = sessionAgentKeyOf(agent);
  ctx.logger.warn({ err: error, key }, 'inline successor failed; dispatching it through the queue');
  await dispatchAgents(ctx, tenant, sessionKeyOf(agent), [key.session_agent_uuid]);
}

/**
 * Runs a claimed agent under a heartbeat lease; the successors its
 * completion kept for this worker, if any.
 */
async function runUnderLease(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  claim: Claimed,
  executing: Promise<unknown>,
  invocation: Invocation,
): Promise<Continuation | undefined> {
  const key = sessionAgentKeyOf(agent);
  const policy = policyOf(ctx, session);
  const heartbeat = startHeartbeat(ctx, tenant, key, claim.token, invocation.deadlineMs);
  claim.registered();
  const run = runClaimedAgent(
    ctx,
    tenant,
    session,
    agent,
    claim.predecessors,
    { token: claim.token, runUuid: claim.runUuid },
    { slotted: policy.max_parallel !== undefined, inline: mayContinueInline(invocation, policy) },
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
  const completion = [
    sessionEvent.runRecorded({
      run_uuid: runUuid,
      session_agent_uuid: agent.session_agent_uuid,
      thread_uuid: usedThread,
    }),
    sessionEvent.agentOutput(agent.session_agent_uuid, output),
    sessionEvent.agentState(agent, next, undefined, { attempts: tries.attempts }),
  ];
  // The edges as the terminal write left them: they include any edge a modification added before it.
  const done: SessionAgent = {
    ...agent,
    state: next,
    agent_input: input,
    agent_output: output,
    thread_uuid: usedThread,
    successor_uuids: finished.successor_uuids,
  };
  if (next === 'completed' && mode.inline && done.successor_uuids.length > 0) {
    if (slotted) await releaseSlot(ctx, tenant, session, agent);
    return completeAndKeep(ctx, tenant, done, completion);
  }
  // The events and the successors' decrements are independent writes: both go at once.
  await Promise.all([
    ctx.record(tenant, agent.session_uuid, completion),
    (async () => {
      if (slotted) await releaseSlot(ctx, tenant, session, agent);
      if (next === 'completed') await onAgentCompleted(ctx, tenant, done);
      else if (next === 'pending') await runAction(ctx, tenant, session, done);
    })(),
  ]);
  return undefined;
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
