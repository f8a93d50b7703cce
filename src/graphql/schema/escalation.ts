import * as z from 'zod';
import { IdSchema } from '../../domain/common/fields.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { decisionPayloadType } from './decision-payload.js';
import { procedureHub } from './procedure.js';
import { sessionAgentKey } from './session-agent.js';
import { SessionRunRef } from './session-run.js';

const DecisionRef = builder.enumType('EscalationDecision', {
  description: "A person's answer to an output a guardrail escalated.",
  values: {
    APPROVE: { value: 'approve', description: 'The held output stands as it is.' },
    EDIT: { value: 'edit', description: 'The output given in `output` replaces it.' },
    REJECT: { value: 'reject', description: 'The output is refused: the agent (or the run) fails.' },
  } as const,
});

const DecidePayloadRef = decisionPayloadType('DecideEscalationPayload', {
  sessionAgent: 'Procedure hub: the agent, decided (the session goes on).',
  operation: 'Operation hub: the run, completed with the approved or edited answer, or failed.',
});

const DecideArgs = z
  .object({
    sessionUuid: IdSchema,
    sessionAgentUuid: IdSchema.nullish(),
    runUuid: IdSchema.nullish(),
    decision: z.enum(['approve', 'edit', 'reject']),
    output: z.string().min(1).max(400_000).nullish(),
    reason: z.string().max(4096).nullish(),
  })
  .refine((a) => Boolean(a.sessionAgentUuid) !== Boolean(a.runUuid), {
    message: 'give sessionAgentUuid (procedure hub) or runUuid (operation hub), not both',
  })
  .refine((a) => (a.decision === 'edit') === Boolean(a.output), {
    message: 'output is required with EDIT, and only with EDIT',
    path: ['output'],
  });

const decisionOf = (a: z.output<typeof DecideArgs>) =>
  a.decision === 'edit'
    ? { decision: 'edit' as const, output: a.output as string }
    : a.decision === 'reject'
      ? { decision: 'reject' as const, ...(a.reason && { reason: a.reason }) }
      : { decision: 'approve' as const };

builder.mutationField('decideEscalation', (t) =>
  t.field({
    type: DecidePayloadRef,
    nullable: false,
    description:
      'Approves, edits or rejects an output a guardrail escalated to a person: of a SessionAgent waiting on it ' +
      '(sessionAgentUuid; the same as executeForUserInput with "approve", "reject" or {"decision":"edit",...}) or ' +
      'of an askOperationHub run that returned escalated (runUuid). Decided twice, or not escalated: CONFLICT.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string(),
        runUuid: t.arg.string(),
        decision: t.arg({ type: DecisionRef, required: true }),
        output: t.arg.string({ description: 'With EDIT: the output to use instead.' }),
        reason: t.arg.string({ description: 'With REJECT: why (kept on the agent or run).' }),
      },
      DecideArgs,
    ),
    resolve: async (_root, raw, ctx) => {
      const args = raw as unknown as z.output<typeof DecideArgs>;
      const decision = decisionOf(args);
      if (args.sessionAgentUuid) {
        await procedureHub(ctx.services).decideEscalation(ctx.caller.tenant, {
          sessionUuid: args.sessionUuid,
          sessionAgentUuid: args.sessionAgentUuid,
          decision,
        });
        return { sessionAgentKey: sessionAgentKey(args.sessionUuid, args.sessionAgentUuid) };
      }
      const hub = ctx.services.operation;
      if (!hub) throw new Error('decideEscalation: the operation hub is not wired on this transport');
      const operation = await hub.decideEscalation(ctx.caller, {
        sessionUuid: args.sessionUuid,
        runUuid: args.runUuid as string,
        decision,
      });
      return { operation };
    },
  }),
);

builder.objectFields(SessionRunRef, (t) => ({
  escalationDecision: t.field({
    type: 'JSON',
    description: 'An escalated run a person decided: {decision, decidedBy, decidedAt, reason}.',
    resolve: (run) => toCamelDeep(run.escalation_decision ?? null),
  }),
}));
