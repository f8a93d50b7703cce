import * as z from 'zod';
import { IdSchema } from '../../domain/common/fields.js';
import { builder } from '../builder.js';
import { decisionPayloadType } from './decision-payload.js';
import { procedureHub } from './procedure.js';
import { sessionAgentKey } from './session-agent.js';

const DecisionInputRef = builder.inputType('ToolCallDecisionInput', {
  description: "A person's answer to one tool call waiting for approval.",
  fields: (t) => ({
    callId: t.string({ required: true }),
    approve: t.boolean({ required: true }),
    arguments: t.field({
      type: 'JSON',
      description: 'Edited arguments to call the tool with (kept exactly as given).',
    }),
    reason: t.string({ description: 'Told to the model when the call is rejected.' }),
  }),
});

const DecidePayloadRef = decisionPayloadType('DecideToolCallsPayload', {
  sessionAgent: 'Procedure hub: the agent, back on the queue.',
  operation: 'Operation hub: the continued run, answered (or waiting for approval again).',
});

const DecideArgs = z
  .object({
    sessionUuid: IdSchema,
    sessionAgentUuid: IdSchema.nullish(),
    runUuid: IdSchema.nullish(),
    decisions: z
      .array(
        z.object({
          callId: z.string().min(1).max(256),
          approve: z.boolean(),
          arguments: z.unknown().nullish(),
          reason: z.string().max(4096).nullish(),
        }),
      )
      .min(1)
      .max(100),
  })
  .refine((a) => Boolean(a.sessionAgentUuid) !== Boolean(a.runUuid), {
    message: 'give sessionAgentUuid (procedure hub) or runUuid (operation hub), not both',
  });

builder.mutationField('decideToolCalls', (t) =>
  t.field({
    type: DecidePayloadRef,
    nullable: false,
    description:
      'Approves, edits or rejects the tool calls waiting for approval: of a SessionAgent (sessionAgentUuid; the ' +
      'session continues on the queue) or of an askOperationHub run that returned waiting_for_approval (runUuid; the ' +
      'run continues in this request). Every pending call must be decided; twice, or for the wrong agent: CONFLICT.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string(),
        runUuid: t.arg.string(),
        decisions: t.arg({ type: [DecisionInputRef], required: true }),
      },
      DecideArgs,
    ),
    resolve: async (_root, args, ctx) => {
      // Edited arguments are data for the tool: kept as given (only the decision's own keys are camelCase).
      const decisions = args.decisions.map((d) => ({
        callId: d.callId,
        approve: d.approve,
        ...(d.arguments !== undefined && d.arguments !== null && { arguments: d.arguments }),
        ...(d.reason && { reason: d.reason }),
      }));
      if (args.sessionAgentUuid) {
        await procedureHub(ctx.services).decideToolCalls(ctx.caller.tenant, {
          sessionUuid: args.sessionUuid,
          sessionAgentUuid: args.sessionAgentUuid,
          decisions,
        });
        return { sessionAgentKey: sessionAgentKey(args.sessionUuid, args.sessionAgentUuid) };
      }
      const hub = ctx.services.operation;
      if (!hub) throw new Error('decideToolCalls: the operation hub is not wired on this transport');
      const emit = ctx.transport === 'ws' ? ctx.emit : undefined;
      const operation = await hub.decideToolCalls(
        ctx.caller,
        { sessionUuid: args.sessionUuid, runUuid: args.runUuid as string, decisions },
        emit
          ? {
              onChunk: (chunk, meta) => emit({ extensions: { askOperationHub: { ...meta, chunk } } }),
              onToolEvent: (event) => emit({ extensions: { askOperationHub: { toolEvent: event } } }),
            }
          : {},
      );
      return { operation };
    },
  }),
);
