import type { Coordination } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import { type NewSessionEvent, type RunOutcomeStatus, sessionEvent } from '../../events/session-events.js';
import { newId } from '../../ids.js';
import { AgentRuntimeError } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import { takeSession } from './double-texting.js';
import { runAgent } from './run-agent.js';
import { chooseThread } from './thread-choice.js';
import { decideAgent, noAgentAnswer } from './triage.js';
import {
  type AskCaller,
  type AskInput,
  defaultOperationHubSettings,
  type HubInternals,
  type OperationHub,
  type OperationHubDeps,
} from './types.js';

export type * from './types.js';
export { DoubleTextingSchema, defaultOperationHubSettings } from './types.js';

/**
 * The operation hub (askOperationHub): session, triage and hand-off, thread,
 * double-texting policy, run, streaming and recording, in one request.
 */
export function createOperationHub(deps: OperationHubDeps): OperationHub {
  const { repos, locks } = deps;
  const settings = { ...defaultOperationHubSettings, ...deps.settings };
  const now = () => deps.now?.() ?? new Date();

  const record = async (tenant: Tenant, sessionUuid: string, event: NewSessionEvent) => {
    try {
      await deps.events?.append(tenant, sessionUuid, [event]);
    } catch (error) {
      deps.logger?.warn({ err: error, sessionUuid, type: event.type }, 'session event not recorded');
    }
  };

  const hub: HubInternals = { repos, locks, runtimes: deps.runtimes, settings, inFlight: new Map(), record };

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
        await record(tenant, session.session_uuid, sessionEvent.runUnassigned({ run_uuid: runUuid, triage }));
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
      await takeSession(hub, tenant, session, runUuid, leaseMs);
      try {
        await repos.sessionRuns.insert(tenant, {
          ...base,
          agent_uuid: agent.agent_uuid,
          thread_uuid: thread.threadUuid,
          status: 'running',
        });
        await record(
          tenant,
          session.session_uuid,
          sessionEvent.runStarted({
            run_uuid: runUuid,
            agent_uuid: agent.agent_uuid,
            thread_uuid: thread.threadUuid,
            thread: thread.reason,
            triage,
          }),
        );

        const outcome = await runAgent(
          hub,
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
        let status: RunOutcomeStatus;
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
        await record(
          tenant,
          session.session_uuid,
          sessionEvent.runFinished(status, {
            run_uuid: runUuid,
            agent_uuid: agent.agent_uuid,
            thread_uuid: threadUuid,
            ...(error && { error }),
            ...(answer !== null && { answer_chars: answer.length }),
          }),
        );
        if (stillOwner) {
          const sessionStatus = status === 'failed' ? 'failed' : status === 'timeout' ? 'timeout' : 'active';
          const previousStatus = session.status;
          session = await repos.sessions.update(tenant, session.coordination_uuid, session.session_uuid, {
            status: sessionStatus,
            updated_by: userId,
          });
          if (previousStatus !== sessionStatus) {
            await record(tenant, session.session_uuid, sessionEvent.sessionStatus(sessionStatus));
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
