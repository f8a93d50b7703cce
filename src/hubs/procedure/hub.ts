import { hookedWrite } from '../../db/write-hooks.js';
import { createRepositories } from '../../domain/repositories.js';
import type { Session } from '../../domain/session/model.js';
import type { EventLog } from '../../events/event-log.js';
import { type ProcedureMessage, tenantOfMessage } from '../../queue/messages.js';
import type { Tenant } from '../../tenant.js';
import { createToolCallStore } from '../../tools/call-store.js';
import { createActionRegistry } from './actions.js';
import { type AgentTrace, sessionAgentTraces } from './agent-traces.js';
import { type HubContext, type ProcedureHubDeps, systemClock } from './context.js';
import { type DecideEscalationInput, decideEscalatedAgent } from './escalation.js';
import { executeAgent } from './execute.js';
import { failSession } from './progress.js';
import { findSessionKey, type ResumeReport, resumeSession, submitUserInput } from './resume.js';
import { type ExecuteTaskSessionInput, executeProcedureTaskSession, startSession } from './start.js';
import { type DecideToolCallsInput, decideToolCalls } from './tool-approval.js';

export type { ProcedureHubDeps } from './context.js';
export type { ResumeReport } from './resume.js';
export type { ExecuteTaskSessionInput } from './start.js';
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
  /** Re-dispatches whatever stored state says is ready or was lost; safe any time. */
  resumeProcedureTaskSession(tenant: Tenant, sessionUuid: string): Promise<ResumeReport>;
  /** One queue message of the procedure hub (throws to have it retried). */
  handleMessage(message: ProcedureMessage): Promise<void>;
  /** Per agent of the session: name, intent, elapsed_ms, attempts, success, error (from stored records). */
  agentTraces(tenant: Tenant, sessionUuid: string): Promise<AgentTrace[]>;
  /** A message that failed for good (last receive, or read from the DLQ): fail its session with the reason. */
  handlePoisonMessage(message: ProcedureMessage, reason: string): Promise<void>;
}

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
    record: (tenant, sessionUuid, events) =>
      write('events', () => deps.eventLog.append(tenant, sessionUuid, events)),
  };

  return {
    eventLog: deps.eventLog,
    executeProcedureTaskSession: (tenant, input) => executeProcedureTaskSession(ctx, tenant, input),
    executeForUserInput: (tenant, input) => submitUserInput(ctx, tenant, input),
    decideToolCalls: (tenant, input) => decideToolCalls(ctx, tenant, input),
    decideEscalation: (tenant, input) => decideEscalatedAgent(ctx, tenant, input),
    resumeProcedureTaskSession: (tenant, sessionUuid) => resumeSession(ctx, tenant, sessionUuid),
    agentTraces: (tenant, sessionUuid) => sessionAgentTraces(ctx, tenant, sessionUuid),

    async handleMessage(message) {
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
          return executeAgent(ctx, tenant, {
            coordination_uuid: message.coordination_uuid,
            session_uuid: message.session_uuid,
            session_agent_uuid: message.session_agent_uuid,
          });
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
