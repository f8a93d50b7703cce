import type { Coordination } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import { type NewSessionEvent, sessionEvent } from '../../events/session-events.js';
import { newId } from '../../ids.js';
import type { Tenant } from '../../tenant.js';
import { continueAfterDecisions } from './continue-run.js';
import { decideEscalatedRun } from './decide-escalation.js';
import { runAndRecord } from './run-and-record.js';
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

  const hub: HubInternals = {
    repos,
    locks,
    runtimes: deps.runtimes,
    settings,
    inFlight: new Map(),
    record,
    ...(deps.governance && { governance: deps.governance }),
    ...(deps.tables && { tables: deps.tables }),
    ...(deps.tools && { tools: deps.tools }),
    ...(deps.threads && { threads: deps.threads }),
    ...(deps.logger && { logger: deps.logger }),
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
      execution_policy: {
        double_texting: input.doubleTexting ?? settings.doubleTexting,
        ...input.sessionBudget,
      },
      updated_by: userId,
    });
  }

  return {
    async ask(caller, input, options = {}) {
      const { tenant } = caller;
      const userId = input.userId ?? caller.userId;
      const coordination: Coordination = await repos.coordinations.get(tenant, input.coordinationUuid);
      const session = await findOrCreateSession(caller, input, userId);
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
      return runAndRecord(hub, caller, {
        coordination,
        session,
        agent,
        runUuid,
        threadUuid: thread.threadUuid,
        newThread: thread.newThread,
        userId,
        query: input.userQuery,
        ...(input.inputFiles && { inputFiles: input.inputFiles }),
        triage,
        markRunning: () =>
          repos.sessionRuns.insert(tenant, {
            ...base,
            agent_uuid: agent.agent_uuid,
            thread_uuid: thread.threadUuid,
            status: 'running',
            ...(input.budget && { ask_budget: { ...input.budget } }),
          }),
        ...(input.budget && { budget: input.budget }),
        startEvent: sessionEvent.runStarted({
          run_uuid: runUuid,
          agent_uuid: agent.agent_uuid,
          thread_uuid: thread.threadUuid,
          thread: thread.reason,
          triage,
        }),
        onChunk: input.stream === false ? undefined : options.onChunk,
        onToolEvent: options.onToolEvent,
      });
    },

    decideToolCalls: (caller, input, options = {}) => continueAfterDecisions(hub, caller, input, options),
    decideEscalation: (caller, input) => decideEscalatedRun(hub, caller, input),
  };
}
