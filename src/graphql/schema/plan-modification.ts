import * as z from 'zod';
import { IdSchema } from '../../domain/common/fields.js';
import { ModificationRequestSchema, type PlanModification } from '../../domain/plan-modification/model.js';
import { type AgentWorkload, agentWorkload } from '../../hubs/procedure/workload.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { procedureHub } from './procedure.js';
import { SessionAgentRef, sessionAgentKey } from './session-agent.js';

/** Plan modifications of a running session, blocked steps and agent workload (the seeds' query patterns). */
const PlanModificationRef = builder.objectRef<PlanModification>('PlanModification').implement({
  description:
    'One change of a running session’s plan: its audit record (old and new value, reason, approval).',
  fields: (t) => ({
    modificationUuid: t.exposeID('modification_uuid', { nullable: false }),
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    requestUuid: t.exposeID('request_uuid', { nullable: false }),
    operation: t.exposeString('operation', { nullable: false }),
    sessionAgentUuid: t.exposeID('session_agent_uuid', { nullable: false }),
    oldValue: t.field({ type: 'JSON', resolve: (m) => toCamelDeep(m.old_value ?? null) }),
    newValue: t.field({ type: 'JSON', resolve: (m) => toCamelDeep(m.new_value ?? null) }),
    reason: t.exposeString('reason', { nullable: false }),
    requestedBy: t.exposeString('requested_by', { nullable: false }),
    status: t.exposeString('status', {
      nullable: false,
      description: 'requested | approved | rejected | applied',
    }),
    decidedBy: t.exposeString('decided_by'),
    decisionReason: t.exposeString('decision_reason'),
    decidedAt: t.exposeString('decided_at'),
    appliedAt: t.exposeString('applied_at'),
    createdAt: t.exposeString('created_at', { nullable: false }),
  }),
});

const ModifyArgs = z.object({
  sessionUuid: IdSchema,
  modifications: z.array(ModificationRequestSchema).min(1).max(50),
  reason: z.string().max(4096).nullish(),
  requireApproval: z.boolean().nullish(),
});

builder.mutationField('modifyProcedureTaskSession', (t) =>
  t.field({
    type: [PlanModificationRef],
    nullable: false,
    description:
      'Changes the not-started part of a running session’s plan. `modifications`: [{operation: add_agent | remove_agent | modify_agent | reassign_agent | change_predecessors, sessionAgentUuid, ...}]. The modified graph is validated whole (BAD_USER_INPUT naming the agents, nothing changed). With requireApproval each waits for decidePlanModification.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        modifications: t.arg({ type: 'JSON', required: true }),
        reason: t.arg.string(),
        requireApproval: t.arg.boolean(),
      },
      ModifyArgs,
    ),
    resolve: (_root, raw, ctx) => {
      const args = raw as unknown as z.output<typeof ModifyArgs>;
      return procedureHub(ctx.services).modifyProcedureTaskSession(ctx.caller.tenant, args.sessionUuid, {
        modifications: args.modifications,
        reason: args.reason ?? null,
        requireApproval: args.requireApproval ?? false,
        by: ctx.caller.userId,
      });
    },
  }),
);

builder.mutationField('decidePlanModification', (t) =>
  t.field({
    type: PlanModificationRef,
    nullable: false,
    description: 'Approves (validated again, then applied) or rejects a requested plan modification.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        modificationUuid: t.arg.string({ required: true }),
        approve: t.arg.boolean({ required: true }),
        reason: t.arg.string(),
      },
      z.object({
        sessionUuid: IdSchema,
        modificationUuid: IdSchema,
        approve: z.boolean(),
        reason: z.string().max(4096).nullish(),
      }),
    ),
    resolve: (_root, args, ctx) =>
      procedureHub(ctx.services).decidePlanModification(ctx.caller.tenant, args.sessionUuid, {
        modificationUuid: args.modificationUuid,
        approve: args.approve,
        reason: args.reason ?? null,
        by: ctx.caller.userId,
      }),
  }),
);

builder.queryField('planModifications', (t) =>
  t.field({
    type: [PlanModificationRef],
    nullable: false,
    description: 'Every plan modification of a session, oldest first.',
    args: t.validate({ sessionUuid: t.arg.string({ required: true }) }, z.object({ sessionUuid: IdSchema })),
    resolve: (_root, args, ctx) =>
      procedureHub(ctx.services).planModifications(ctx.caller.tenant, args.sessionUuid),
  }),
);

builder.objectField(SessionAgentRef, 'blockedBy', (t) =>
  t.field({
    type: [SessionAgentRef],
    nullable: false,
    description: 'The predecessors this agent still waits for (not completed yet): what blocks it.',
    resolve: (agent) =>
      agent.predecessor_uuids
        .filter((p) => !(agent.completed_predecessors ?? []).includes(p))
        .map((p) => sessionAgentKey(agent.session_uuid, p)),
  }),
);

const AgentWorkloadRef = builder.objectRef<AgentWorkload>('AgentWorkload').implement({
  description: 'One agent’s share of its coordination’s running sessions.',
  fields: (t) => ({
    agentUuid: t.exposeID('agent_uuid', { nullable: false }),
    agentName: t.exposeString('agent_name', { nullable: false }),
    executing: t.exposeInt('executing', { nullable: false }),
    waiting: t.exposeInt('waiting', {
      nullable: false,
      description: 'Waiting for user input or its action function.',
    }),
    ready: t.exposeInt('ready', { nullable: false, description: 'Ready to run, not started yet.' }),
  }),
});

builder.queryField('agentWorkload', (t) =>
  t.field({
    type: [AgentWorkloadRef],
    nullable: false,
    description:
      'Per agent of the coordination: session agents executing, waiting and ready in its running sessions.',
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema }),
    ),
    resolve: (_root, args, ctx) => agentWorkload(ctx.repos, ctx.caller.tenant, args.coordinationUuid),
  }),
);
