import { hookedWrite } from '../../db/write-hooks.js';
import type { PlanModification } from '../../domain/plan-modification/model.js';
import { createRepositories } from '../../domain/repositories.js';
import type { Session } from '../../domain/session/model.js';
import type { EventLog } from '../../events/event-log.js';
import { type ProcedureMessage, tenantOfMessage } from '../../queue/messages.js';
import type { Tenant } from '../../tenant.js';
import { createToolCallStore } from '../../tools/call-store.js';
import { createActionRegistry } from './actions.js';
import { type AgentTrace, sessionAgentTraces } from './agent-traces.js';
import { cancelAgentToolCalls } from './cancel-tool-calls.js';
import { type HubContext, type Invocation, type ProcedureHubDeps, systemClock } from './context.js';
import { type DecideEscalationInput, decideEscalatedAgent } from './escalation.js';
import { executeAgent } from './execute.js';
import { createRunRegistry } from './heartbeat.js';
import { DEFAULT_INLINE_RUNS_PER_WORKER } from './inline.js';
import { decideModification, type ModifyRequest, modifySession } from './modify.js';
import { failSession } from './progress.js';
import { findSessionKey, type ResumeReport, resumeSession, submitUserInput } from './resume.js';
import { type ExecuteTaskSessionInput, executeProcedureTaskSession, startSession } from './start.js';
import { cancelSession, pauseSession, redriveSession, type SteerRequest } from './steer.js';
import { type SweepOptions, type SweepReport, sweepSessions } from './sweep.js';
import { type DecideToolCallsInput, decideToolCalls } from './tool-approval.js';

export type { ProcedureHubDeps } from './context.js';
export type { ModifyRequest } from './modify.js';
export type { ResumeReport } from './resume.js';
export type { ExecuteTaskSessionInput } from './start.js';
export type { SteerRequest } from './steer.js';
export type { SweepReport } from './sweep.js';
export type { DecideToolCallsInput, ToolCallDecisionInput } from './tool-approval.js';

export interface UserInputRequest {
  readonly sessionUuid: string;
  readonly sessionAgentUuid: string;
  readonly userInput: string;
}

/** The procedure hub's public API (GraphQL, schedules, the SQS handler and the local stack call it). */
export interface ProcedureHub {
  readonly eventLog: EventLog;
  /** Creates the session and queues its start; a repeated idempotency key returns the first session. */
  executeProcedureTaskSession(tenant: Tenant, input: ExecuteTaskSessionInput): Promise<Session>;
  /** CONFLICT unless the agent is `wait_for_user_input`. */
  executeForUserInput(tenant: Tenant, input: UserInputRequest): Promise<void>;
  /** Answers an agent's tool calls that wait for approval; CONFLICT unless it waits for exactly those. */
  decideToolCalls(tenant: Tenant, input: DecideToolCallsInput): Promise<void>;
  /** Approves, edits or rejects an agent's output a guardrail escalated; CONFLICT unless it waits on one. */
  decideEscalation(tenant: Tenant, input: DecideEscalationInput): Promise<void>;
  /** Re-dispatches whatever stored state says is ready or was lost (un-pausing first); safe any time. */
  resumeProcedureTaskSession(tenant: Tenant, sessionUuid: string, by?: SteerRequest): Promise<ResumeReport>;
  /** `cancelled`: nothing starts after it, running agents are aborted, waiting ones released. Idempotent. */
  cancelProcedureTaskSession(tenant: Tenant, sessionUuid: string, request: SteerRequest): Promise<Session>;
  /** `paused`: running agents finish, nothing new starts until resume. Idempotent. */
  pauseProcedureTaskSession(tenant: Tenant, sessionUuid: string, request: SteerRequest): Promise<Session>;
  /** A failed or cancelled session runs its failed and not-started agents again, keeping completed outputs. */
  redriveProcedureTaskSession(tenant: Tenant, sessionUuid: string, request: SteerRequest): Promise<Session>;
  /** One queue message of the procedure hub (throws to have it retried). */
  handleMessage(message: ProcedureMessage, invocation?: Invocation): Promise<void>;
  /** Per agent of the session: name, intent, elapsed_ms, attempts, success, error (from stored records). */
  agentTraces(tenant: Tenant, sessionUuid: string): Promise<AgentTrace[]>;
  /** A message that failed for good (last receive, or read from the DLQ): fail its session with the reason. */
  handlePoisonMessage(message: ProcedureMessage, reason: string): Promise<void>;
  /** Changes the not-started part of a running session's plan (validated whole; stored records; optional approval). */
  modifyProcedureTaskSession(
    tenant: Tenant,
    sessionUuid: string,
    request: ModifyRequest,
  ): Promise<PlanModification[]>;
  /** Approves (then applies) or rejects a requested plan modification. */
  decidePlanModification(
    tenant: Tenant,
    sessionUuid: string,
    decision: { modificationUuid: string; approve: boolean; reason?: string | null; by: string },
  ): Promise<PlanModification>;
  /** Every plan modification of a session, oldest first. */
  planModifications(tenant: Tenant, sessionUuid: string): Promise<PlanModification[]>;
  /** Resumes what expired leases and lost dispatches left behind, reading only running sessions. */
  sweep(options?: SweepOptions): Promise<SweepReport>;
}

/** A claim's lease without a heartbeat: short, so a dead worker's agent is taken over quickly. */
export const DEFAULT_LEASE_MS = 30_000;

export function createProcedureHub(deps: ProcedureHubDeps): ProcedureHub {
  const clock = deps.clock ?? systemClock;
  const repos = createRepositories({
    doc: deps.doc,
    tables: deps.tables,
    now: () => new Date(clock.now()),
    hooks: deps.faults,
    payloads: deps.payloads,
  });
  const write = <T>(label: string, run: () => Promise<T>) => hookedWrite(deps.faults, label, run);
  const ctx: HubContext = {
    deps,
    repos,
    write,
    clock,
    logger: deps.logger,
    actions: deps.actions ?? createActionRegistry(),
    retryBaseMs: deps.retryBaseMs ?? 200,
    ...(deps.toolbox && {
      tools: {
        toolbox: deps.toolbox,
        calls: createToolCallStore({ doc: deps.doc, tables: deps.tables, write }),
      },
    }),
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
    heartbeatMs: deps.heartbeatMs ?? Math.max(50, Math.floor((deps.leaseMs ?? DEFAULT_LEASE_MS) / 3)),
    sweepStaleMs: deps.sweepStaleMs ?? 60_000,
    inlineRunsPerWorker: deps.inlineRunsPerWorker ?? DEFAULT_INLINE_RUNS_PER_WORKER,
    running: createRunRegistry(),
    onAgentCancelled: (tenant, agent) => cancelAgentToolCalls(ctx, tenant, agent),
    record: (tenant, sessionUuid, events) =>
      write('events', () => deps.eventLog.append(tenant, sessionUuid, events)),
  };

  return {
    eventLog: deps.eventLog,
    executeProcedureTaskSession: (tenant, input) => executeProcedureTaskSession(ctx, tenant, input),
    executeForUserInput: (tenant, input) => submitUserInput(ctx, tenant, input),
    decideToolCalls: (tenant, input) => decideToolCalls(ctx, tenant, input),
    decideEscalation: (tenant, input) => decideEscalatedAgent(ctx, tenant, input),
    agentTraces: (tenant, sessionUuid) => sessionAgentTraces(ctx, tenant, sessionUuid),
    resumeProcedureTaskSession: (tenant, sessionUuid, by = { by: 'system' }) =>
      resumeSession(ctx, tenant, sessionUuid, { unpause: by }),
    cancelProcedureTaskSession: (tenant, sessionUuid, request) =>
      cancelSession(ctx, tenant, sessionUuid, request),
    pauseProcedureTaskSession: (tenant, sessionUuid, request) =>
      pauseSession(ctx, tenant, sessionUuid, request),
    redriveProcedureTaskSession: (tenant, sessionUuid, request) =>
      redriveSession(ctx, tenant, sessionUuid, request),
    sweep: (options) => sweepSessions(ctx, options),
    modifyProcedureTaskSession: (tenant, sessionUuid, request) =>
      modifySession(ctx, tenant, sessionUuid, request),
    decidePlanModification: (tenant, sessionUuid, decision) =>
      decideModification(ctx, tenant, sessionUuid, decision),
    planModifications: async (tenant, sessionUuid) => {
      await findSessionKey(ctx, tenant, sessionUuid); // NOT_FOUND for another tenant's session
      return repos.planModifications.listOfSession(tenant, sessionUuid);
    },

    async handleMessage(message, invocation = {}) {
      const tenant = tenantOfMessage(message);
      switch (message.type) {
        case 'execute_task':
          await executeProcedureTaskSession(ctx, tenant, {
            coordinationUuid: message.coordination_uuid,
            taskUuid: message.task_uuid,
            taskQuery: message.task_query,
            userId: message.user_id,
            idempotencyKey: message.idempotency_key,
          });
          return;
        case 'start_session':
          return startSession(ctx, tenant, {
            coordination_uuid: message.coordination_uuid,
            session_uuid: message.session_uuid,
          });
        case 'execute_agent':
          return executeAgent(
            ctx,
            tenant,
            {
              coordination_uuid: message.coordination_uuid,
              session_uuid: message.session_uuid,
              session_agent_uuid: message.session_agent_uuid,
            },
            invocation,
          );
        case 'resume_session':
          await resumeSession(ctx, tenant, message.session_uuid);
          return;
      }
    },

    async handlePoisonMessage(message, reason) {
      if (message.type === 'execute_task') {
        deps.logger.error(
          { message, reason },
          'execute_task message failed for good; no session was started',
        );
        return;
      }
      const tenant = tenantOfMessage(message);
      const key =
        message.type === 'resume_session'
          ? await findSessionKey(ctx, tenant, message.session_uuid)
          : { coordination_uuid: message.coordination_uuid, session_uuid: message.session_uuid };
      await failSession(ctx, tenant, key, `message ${message.type} failed for good: ${reason}`);
    },
  };
}
