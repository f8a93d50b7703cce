import type { Logger } from 'pino';
import { z } from 'zod';
import type { Agent, Coordination } from '../../domain/coordination/model.js';
import type { Repositories } from '../../domain/repositories.js';
import type { Session } from '../../domain/session/model.js';
import { ConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import { AgentRuntimeError, type RuntimeResolver } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import type { SessionLock } from './session-lock.js';
import { chooseThread } from './thread-choice.js';
import { decideAgent, noAgentAnswer, type TriageDecision } from './triage.js';

export const DoubleTextingSchema = z.enum(['reject', 'enqueue', 'interrupt']);
export type DoubleTexting = z.infer<typeof DoubleTextingSchema>;

export interface AskInput {
  readonly coordinationUuid: string;
  readonly userQuery: string;
  readonly agentUuid?: string | null;
  readonly sessionUuid?: string | null;
  readonly threadUuid?: string | null;
  readonly userId?: string | null;
  readonly inputFiles?: readonly unknown[] | null;
  readonly stream?: boolean | null;
  readonly threadLifeMinutes?: number | null;
  /** Policy for a session created by this ask; an existing session keeps its own. */
  readonly doubleTexting?: DoubleTexting | null;
}

export type RunStatus = 'completed' | 'failed' | 'cancelled' | 'unassigned' | 'timeout';

export interface AskResult {
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly threadUuid: string;
  readonly agentUuid: string | null;
  readonly asyncTaskUuid: string | null;
  readonly status: RunStatus;
  readonly answer: string | null;
  readonly error: string | null;
  readonly triage: TriageDecision;
  readonly session: Session;
}

/** The session event log as the hub needs it (the exec branch's EventLog satisfies it). */
export interface SessionEventSink {
  append(
    tenant: Tenant,
    sessionUuid: string,
    events: readonly { type: string; data: Record<string, unknown> }[],
  ): Promise<unknown>;
}

export interface OperationHubSettings {
  readonly threadLifeMinutes: number;
  readonly doubleTexting: DoubleTexting;
  readonly agentTimeoutMs: number;
  readonly triageTimeoutMs: number;
  /** How long an `enqueue`d ask waits for the session before it gives up. */
  readonly enqueueWaitMs: number;
  readonly enqueuePollMs: number;
  /** Streamed chunks are logged as `token` events in batches of this many (one write per batch). */
  readonly tokenEventBatch: number;
}

export const defaultOperationHubSettings: OperationHubSettings = {
  threadLifeMinutes: 30,
  doubleTexting: 'reject',
  agentTimeoutMs: 120_000,
  triageTimeoutMs: 30_000,
  enqueueWaitMs: 120_000,
  enqueuePollMs: 100,
  tokenEventBatch: 16,
};

export interface OperationHubDeps {
  readonly repos: Repositories;
  readonly runtimes: RuntimeResolver;
  readonly locks: SessionLock;
  readonly events?: SessionEventSink;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly settings?: Partial<OperationHubSettings>;
}

export interface AskCaller {
  readonly tenant: Tenant;
  readonly userId: string;
}

export interface ChunkMeta {
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly agentUuid: string;
  /** 0-based position of the chunk in the answer. */
  readonly index: number;
}

export interface AskOptions {
  /** Each streamed chunk, in order (the WebSocket transport forwards them as `next` messages). */
  readonly onChunk?: (chunk: string, meta: ChunkMeta) => void | Promise<void>;
}

export interface OperationHub {
  ask(caller: AskCaller, input: AskInput, options?: AskOptions): Promise<AskResult>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The operation hub (askOperationHub): session, triage and hand-off, thread,
 * double-texting policy, run, streaming and recording, in one request.
 */
export function createOperationHub(deps: OperationHubDeps): OperationHub {
  const { repos, locks } = deps;
  const settings = { ...defaultOperationHubSettings, ...deps.settings };
  const now = () => deps.now?.() ?? new Date();
  // Runs of this instance that an `interrupt` may cancel; runs on other instances notice at the end instead.
  const inFlight = new Map<string, AbortController>();

  const record = async (tenant: Tenant, sessionUuid: string, type: string, data: Record<string, unknown>) => {
    try {
      await deps.events?.append(tenant, sessionUuid, [{ type, data }]);
    } catch (error) {
      deps.logger?.warn({ err: error, sessionUuid, type }, 'session event not recorded');
    }
  };

  async function findOrCreateSession(caller: AskCaller, input: AskInput, userId: string): Promise<Session> {
    if (input.sessionUuid)
      return repos.sessions.get(caller.tenant, input.coordinationUuid, input.sessionUuid);
    return repos.sessions.insert(caller.tenant, {
      coordination_uuid: input.coordinationUuid,
      session_uuid: newId(),
      user_id: userId,
      task_query: input.userQuery,
      input_files: input.inputFiles ? [...input.inputFiles] : null,
      iteration_count: 0,
      subtask_queries: [],
      // The Python engine's meaning: `active` when the caller named the agent, `in_transit` while triage decides.
      status: input.agentUuid ? 'active' : 'in_transit',
      execution_policy: { double_texting: input.doubleTexting ?? settings.doubleTexting },
      updated_by: userId,
    });
  }

  const policyOf = (session: Session): DoubleTexting => {
    const parsed = DoubleTextingSchema.safeParse(
      (session.execution_policy as { double_texting?: unknown } | null | undefined)?.double_texting,
    );
    return parsed.success ? parsed.data : settings.doubleTexting;
  };

  /** Applies the session's double-texting policy; resolves once this run holds the session. */
  async function takeSession(tenant: Tenant, session: Session, runUuid: string, leaseMs: number) {
    const sessionUuid = session.session_uuid;
    if (await locks.tryAcquire(tenant, sessionUuid, runUuid, leaseMs)) return;
    const policy = policyOf(session);
    if (policy === 'reject') {
      const holder = await locks.holder(tenant, sessionUuid);
      throw new ConflictError(
        'a previous ask on this session is still running (double texting policy: reject)',
        {
          sessionUuid,
          runningRunUuid: holder?.runUuid,
        },
      );
    }
    if (policy === 'interrupt') {
      const previous = await locks.takeOver(tenant, sessionUuid, runUuid, leaseMs);
      if (previous) {
        inFlight.get(previous.runUuid)?.abort(new Error(`interrupted by run ${runUuid}`));
        await repos.sessionRuns
          .update(tenant, sessionUuid, previous.runUuid, { status: 'cancelled', updated_by: 'operation-hub' })
          .catch(() => undefined);
        await record(tenant, sessionUuid, 'run_interrupted', {
          run_uuid: previous.runUuid,
          interrupted_by: runUuid,
        });
      }
      return;
    }
    await record(tenant, sessionUuid, 'run_queued', { run_uuid: runUuid });
    const deadline = Date.now() + settings.enqueueWaitMs;
    while (!(await locks.tryAcquire(tenant, sessionUuid, runUuid, leaseMs))) {
      if (Date.now() >= deadline) {
        throw new ConflictError(
          'gave up waiting for the previous ask on this session (double texting policy: enqueue)',
          {
            sessionUuid,
          },
        );
      }
      await sleep(settings.enqueuePollMs);
    }
  }

  async function runAgent(
    caller: AskCaller,
    agent: Agent,
    session: Session,
    run: {
      runUuid: string;
      threadUuid: string;
      newThread: boolean;
      userId: string;
      query: string;
      inputFiles?: readonly unknown[];
    },
    onChunk: AskOptions['onChunk'],
  ) {
    const { tenant } = caller;
    const controller = new AbortController();
    inFlight.set(run.runUuid, controller);
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(settings.agentTimeoutMs)]);
    let pending: string[] = [];
    let index = 0;
    const flushTokens = async () => {
      if (pending.length === 0) return;
      const chunks = pending;
      pending = [];
      await record(tenant, session.session_uuid, 'token', {
        run_uuid: run.runUuid,
        from_index: index - chunks.length,
        chunks,
      });
    };
    try {
      const result = await deps.runtimes.forAgent(agent).run({
        agent,
        threadUuid: run.threadUuid,
        newThread: run.newThread,
        input: run.query,
        userId: run.userId,
        tenant,
        signal,
        ...(run.inputFiles && { inputFiles: run.inputFiles }),
        onChunk: async (chunk) => {
          if (signal.aborted) return;
          const meta = {
            sessionUuid: session.session_uuid,
            runUuid: run.runUuid,
            agentUuid: agent.agent_uuid,
            index,
          };
          index++;
          pending.push(chunk);
          if (pending.length >= settings.tokenEventBatch) await flushTokens();
          await onChunk?.(chunk, meta);
        },
      });
      await flushTokens();
      return { ok: true as const, result };
    } catch (error) {
      await flushTokens();
      const interrupted = controller.signal.aborted;
      const timedOut = !interrupted && signal.aborted;
      return { ok: false as const, error, interrupted, timedOut };
    } finally {
      inFlight.delete(run.runUuid);
    }
  }

  return {
    async ask(caller, input, options = {}) {
      const { tenant } = caller;
      const userId = input.userId ?? caller.userId;
      const coordination: Coordination = await repos.coordinations.get(tenant, input.coordinationUuid);
      let session = await findOrCreateSession(caller, input, userId);
      const triage = await decideAgent({
        tenant,
        userId,
        coordination,
        userQuery: input.userQuery,
        agentUuid: input.agentUuid,
        runtimes: deps.runtimes,
        timeoutMs: settings.triageTimeoutMs,
      });
      const runUuid = newId();
      const base = {
        session_uuid: session.session_uuid,
        run_uuid: runUuid,
        coordination_uuid: coordination.coordination_uuid,
        user_query: input.userQuery,
        user_id: userId,
        triage: { ...triage },
        updated_by: userId,
      };

      const agent = coordination.agents.find((a) => a.agent_uuid === triage.agent_uuid);
      if (!agent) {
        // Nobody fits: a clear answer, recorded like any other run (on the triage agent where there is one).
        const answer = noAgentAnswer(coordination);
        const fallbackAgent =
          coordination.agents.find((a) => a.agent_type === 'triage')?.agent_uuid ?? 'unassigned';
        const threadUuid = input.threadUuid ?? newId();
        await repos.sessionRuns.insert(tenant, {
          ...base,
          agent_uuid: fallbackAgent,
          thread_uuid: threadUuid,
          status: 'unassigned',
          answer,
        });
        await record(tenant, session.session_uuid, 'run_unassigned', { run_uuid: runUuid, triage });
        return {
          coordinationUuid: coordination.coordination_uuid,
          sessionUuid: session.session_uuid,
          runUuid,
          threadUuid,
          agentUuid: null,
          asyncTaskUuid: null,
          status: 'unassigned',
          answer,
          error: null,
          triage,
          session,
        };
      }

      const thread = await chooseThread(repos, tenant, {
        coordinationUuid: coordination.coordination_uuid,
        agentUuid: agent.agent_uuid,
        userId,
        threadUuid: input.threadUuid,
        threadLifeMinutes: input.threadLifeMinutes ?? settings.threadLifeMinutes,
        now: now(),
      });
      const leaseMs = settings.agentTimeoutMs + 30_000;
      await takeSession(tenant, session, runUuid, leaseMs);
      try {
        await repos.sessionRuns.insert(tenant, {
          ...base,
          agent_uuid: agent.agent_uuid,
          thread_uuid: thread.threadUuid,
          status: 'running',
        });
        await record(tenant, session.session_uuid, 'run_started', {
          run_uuid: runUuid,
          agent_uuid: agent.agent_uuid,
          thread_uuid: thread.threadUuid,
          thread: thread.reason,
          triage,
        });

        const outcome = await runAgent(
          caller,
          agent,
          session,
          {
            runUuid,
            threadUuid: thread.threadUuid,
            newThread: thread.newThread,
            userId,
            query: input.userQuery,
            ...(input.inputFiles && { inputFiles: input.inputFiles }),
          },
          input.stream === false ? undefined : options.onChunk,
        );
        // Lost the session to an `interrupt` (here or on another instance): record, never overwrite the successor.
        const stillOwner = (await locks.holder(tenant, session.session_uuid))?.runUuid === runUuid;
        let status: RunStatus;
        let answer: string | null = null;
        let error: string | null = null;
        let threadUuid = thread.threadUuid;
        let asyncTaskUuid: string | null = null;
        if (outcome.ok) {
          answer = outcome.result.output;
          threadUuid = outcome.result.threadUuid;
          asyncTaskUuid = outcome.result.asyncTaskUuid ?? null;
          status = stillOwner ? 'completed' : 'cancelled';
        } else {
          error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
          status = outcome.interrupted || !stillOwner ? 'cancelled' : outcome.timedOut ? 'timeout' : 'failed';
          if (!(outcome.error instanceof AgentRuntimeError)) {
            deps.logger?.error({ err: outcome.error, runUuid }, 'agent run failed unexpectedly');
          }
        }
        await repos.sessionRuns.update(tenant, session.session_uuid, runUuid, {
          status,
          answer,
          thread_uuid: threadUuid,
          async_task_uuid: asyncTaskUuid,
          updated_by: userId,
        });
        await record(tenant, session.session_uuid, `run_${status}`, {
          run_uuid: runUuid,
          agent_uuid: agent.agent_uuid,
          thread_uuid: threadUuid,
          ...(error && { error }),
          ...(answer !== null && { answer_chars: answer.length }),
        });
        if (stillOwner) {
          const sessionStatus = status === 'failed' ? 'failed' : status === 'timeout' ? 'timeout' : 'active';
          const previousStatus = session.status;
          session = await repos.sessions.update(tenant, session.coordination_uuid, session.session_uuid, {
            status: sessionStatus,
            updated_by: userId,
          });
          if (previousStatus !== sessionStatus) {
            await record(tenant, session.session_uuid, 'session_status', { status: sessionStatus });
          }
        }
        return {
          coordinationUuid: coordination.coordination_uuid,
          sessionUuid: session.session_uuid,
          runUuid,
          threadUuid,
          agentUuid: agent.agent_uuid,
          asyncTaskUuid,
          status,
          answer,
          error,
          triage,
          session,
        };
      } finally {
        await locks.release(tenant, session.session_uuid, runUuid);
      }
    },
  };
}
