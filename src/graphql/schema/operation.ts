import * as z from 'zod';
import { type Budget, BudgetSchema } from '../../budgets/model.js';
import { IdSchema, QueryTextSchema } from '../../domain/common/fields.js';
import type { AskResult, OperationHub } from '../../hubs/operation/hub.js';
import type { TriageDecision } from '../../hubs/operation/triage.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { jsonInput, OptionalId } from '../inputs.js';
import { SessionRef, sessionKey } from './session.js';

declare module '../context.js' {
  interface Services {
    /** The operation hub behind askOperationHub. */
    operation?: OperationHub;
  }
}

const DoubleTextingRef = builder.enumType('DoubleTextingPolicy', {
  description: 'What a second ask does while the session still runs one.',
  values: {
    reject: { description: 'Fail with CONFLICT.' },
    enqueue: { description: 'Wait, then run after the running ask.' },
    interrupt: { description: 'Cancel the running ask (recorded as cancelled) and run this one.' },
  } as const,
});

const TriageDecisionRef = builder.objectRef<TriageDecision>('TriageDecision').implement({
  description: 'How the agent was chosen: explicit agentUuid, the triage LLM, the lexical router, or none.',
  fields: (t) => ({
    method: t.exposeString('method', { nullable: false }),
    agentUuid: t.exposeID('agent_uuid'),
    confidence: t.exposeFloat('confidence'),
    reason: t.exposeString('reason', { nullable: false }),
    triageAgentUuid: t.string({ resolve: (d) => d.triage_agent_uuid ?? null }),
  }),
});

export const AskOperationHubRef = builder.objectRef<AskResult>('AskOperationHubResult').implement({
  description: 'The routed, answered and recorded ask.',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordinationUuid', { nullable: false }),
    sessionUuid: t.exposeID('sessionUuid', { nullable: false }),
    runUuid: t.exposeID('runUuid', { nullable: false }),
    threadUuid: t.exposeString('threadUuid', { nullable: false }),
    agentUuid: t.exposeID('agentUuid'),
    asyncTaskUuid: t.exposeString('asyncTaskUuid'),
    status: t.exposeString('status', {
      nullable: false,
      description:
        'completed | failed | timeout | cancelled (interrupted) | unassigned (no agent fits) | ' +
        'budget_exceeded | blocked (by a guardrail) | escalated (held for a person: see escalation, decide with decideEscalation) | ' +
        'waiting_for_approval (decide pendingToolCalls with decideToolCalls(sessionUuid, runUuid, decisions))',
    }),
    pendingToolCalls: t.field({
      type: 'JSON',
      description:
        'With waiting_for_approval: [{callId, tool, arguments}] (arguments kept as the model sent them).',
      resolve: (r) => (r.pendingToolCalls ? toCamelDeep(r.pendingToolCalls) : null),
    }),
    escalation: t.field({
      type: 'JSON',
      description:
        'With escalated: {findings: [{check, action, message, kind}]}; decide the held answer with decideEscalation(sessionUuid, runUuid, decision).',
      resolve: (r) => (r.escalation ? toCamelDeep(r.escalation) : null),
    }),
    answer: t.exposeString('answer'),
    error: t.exposeString('error'),
    triage: t.field({ type: TriageDecisionRef, nullable: false, resolve: (r) => r.triage }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.session.updated_at }),
    session: t.field({
      type: SessionRef,
      resolve: (r) => sessionKey(r.session.coordination_uuid, r.session.session_uuid),
    }),
  }),
});

const AskArgs = z.object({
  coordinationUuid: IdSchema,
  userQuery: QueryTextSchema.min(1),
  agentUuid: OptionalId,
  sessionUuid: OptionalId,
  threadUuid: z.string().min(1).max(128).nullish(),
  userId: z.string().min(1).max(256).nullish(),
  inputFiles: z.array(z.unknown()).max(100).nullish(),
  receiverEmail: z.string().max(320).nullish(),
  stream: z.boolean().nullish(),
  threadLifeMinutes: z.number().int().min(0).max(525_600).nullish(),
  doubleTexting: z.enum(['reject', 'enqueue', 'interrupt']).nullish(),
  budget: jsonInput(BudgetSchema.strict()),
  sessionBudget: jsonInput(BudgetSchema.strict()),
});

builder.queryField('askOperationHub', (t) =>
  t.field({
    type: AskOperationHubRef,
    nullable: false,
    description:
      'Routes a query to an agent of the coordination (explicit agentUuid, else triage), runs it on a thread, ' +
      'records the SessionRun and returns the answer. Over WebSocket with stream (default true) the answer ' +
      'also arrives chunk by chunk as intermediate results: {extensions: {askOperationHub: {index, chunk, runUuid, ...}}}.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        userQuery: t.arg.string({ required: true }),
        agentUuid: t.arg.string(),
        sessionUuid: t.arg.string(),
        threadUuid: t.arg.string(),
        userId: t.arg.string(),
        inputFiles: t.arg({ type: ['JSON'] }),
        receiverEmail: t.arg.string({
          description: 'Accepted for compatibility with the Python engine; unused.',
        }),
        stream: t.arg.boolean(),
        threadLifeMinutes: t.arg.int(),
        doubleTexting: t.arg({
          type: DoubleTextingRef,
          description:
            'Policy of a session this ask creates (default reject); an existing session keeps its own.',
        }),
        budget: t.arg({
          type: 'JSON',
          description:
            'Limits of this ask: {maxTokens, maxCostUsd, maxModelCalls, maxToolCalls, maxDurationMs, onBudgetExceeded}.',
        }),
        sessionBudget: t.arg({
          type: 'JSON',
          description:
            'The same limits for the whole session this ask creates (an existing session keeps its own).',
        }),
      },
      AskArgs,
    ),
    resolve: async (_, args, ctx) => {
      const hub = ctx.services.operation;
      if (!hub) throw new Error('askOperationHub: the operation hub is not wired on this transport');
      await ctx.services.rateLimiter?.consume(ctx.caller.tenant, 'askOperationHub');
      const emit = ctx.transport === 'ws' ? ctx.emit : undefined;
      return hub.ask(
        ctx.caller,
        {
          coordinationUuid: args.coordinationUuid,
          userQuery: args.userQuery,
          agentUuid: args.agentUuid ?? null,
          sessionUuid: args.sessionUuid ?? null,
          threadUuid: args.threadUuid ?? null,
          userId: args.userId ?? null,
          inputFiles: args.inputFiles ?? null,
          stream: args.stream ?? null,
          threadLifeMinutes: args.threadLifeMinutes ?? null,
          doubleTexting: args.doubleTexting ?? null,
          budget: (args.budget as Budget | null | undefined) ?? null,
          sessionBudget: (args.sessionBudget as Budget | null | undefined) ?? null,
        },
        emit
          ? {
              ...(args.stream !== false && {
                onChunk: (chunk, meta) => emit({ extensions: { askOperationHub: { ...meta, chunk } } }),
              }),
              // Tool activity as it happens: {extensions: {askOperationHub: {toolEvent: {type, data}}}}.
              onToolEvent: (event) =>
                emit({
                  extensions: {
                    askOperationHub: { toolEvent: { type: event.type, data: toCamelDeep(event.data) } },
                  },
                }),
            }
          : {},
      );
    },
  }),
);
