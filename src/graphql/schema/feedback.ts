import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AnalyticsCounters } from '../../analytics/counters.js';
import { type AgentAnalytics, agentAnalytics, FEEDBACK_KINDS } from '../../analytics/report.js';
import { requestIdOf } from '../../audit/audited-resolver.js';
import { auditIdOf } from '../../audit/trail.js';
import type { TableNames } from '../../db/tables.js';
import { IdSchema } from '../../domain/common/fields.js';
import { NotFoundError } from '../../errors.js';
import { createFeedbackRepository, type Feedback } from '../../feedback/repository.js';
import type { PriceTable } from '../../usage/prices.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { OptionalId } from '../inputs.js';
import { UsageTotalsRef } from './usage.js';

declare module '../context.js' {
  interface Services {
    /** Where feedback and agentAnalytics read and write. */
    analytics?: {
      doc: DynamoDBDocumentClient;
      tables: TableNames;
      counters: AnalyticsCounters;
      /** The estimate prices assumed runs with it; absent, the default table. */
      prices?: PriceTable;
    };
  }
}

export const analyticsOf = (ctx: GraphQLContext) => {
  const analytics = ctx.services.analytics;
  if (!analytics) throw new Error('analytics are not wired on this transport');
  return analytics;
};

const FeedbackKindRef = builder.enumType('FeedbackKind', {
  values: Object.fromEntries(FEEDBACK_KINDS.map((kind) => [kind.toUpperCase(), { value: kind }])) as Record<
    Uppercase<(typeof FEEDBACK_KINDS)[number]>,
    { value: (typeof FEEDBACK_KINDS)[number] }
  >,
});

const FeedbackRef = builder.objectRef<Feedback>('Feedback').implement({
  fields: (t) => ({
    feedbackUuid: t.exposeID('feedback_uuid', { nullable: false }),
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    sessionAgentUuid: t.exposeID('session_agent_uuid'),
    runUuid: t.exposeID('run_uuid'),
    agentUuid: t.exposeID('agent_uuid'),
    kind: t.exposeString('kind', { nullable: false }),
    rating: t.exposeInt('rating', { nullable: false }),
    comment: t.exposeString('comment'),
    userId: t.exposeString('user_id', { nullable: false }),
    createdAt: t.exposeString('created_at', { nullable: false }),
  }),
});

const SubmitFeedbackPayloadRef = builder
  .objectRef<{ feedback: Feedback }>('SubmitFeedbackPayload')
  .implement({
    fields: (t) => ({
      feedback: t.field({ type: FeedbackRef, nullable: false, resolve: (p) => p.feedback }),
    }),
  });

const SubmitArgs = z.object({
  sessionUuid: IdSchema,
  sessionAgentUuid: OptionalId,
  runUuid: OptionalId,
  kind: z.enum(FEEDBACK_KINDS),
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(4000).nullish(),
});

builder.mutationField('submitFeedback', (t) =>
  t.field({
    type: SubmitFeedbackPayloadRef,
    nullable: false,
    description:
      'Rates a session, one of its agents or one run (1-5) for quality, accuracy or performance; it feeds agentAnalytics. A retried request (same Idempotency-Key) stores it once.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string(),
        runUuid: t.arg.string(),
        kind: t.arg({ type: FeedbackKindRef, required: true }),
        rating: t.arg.int({ required: true }),
        comment: t.arg.string(),
      },
      SubmitArgs,
    ),
    resolve: async (_, raw, ctx, info) => {
      const args = raw as unknown as z.output<typeof SubmitArgs>;
      const tenant = ctx.caller.tenant;
      const session = await ctx.repos.sessions.getByUuid(tenant, args.sessionUuid);
      let agentUuid: string | null = null;
      if (args.sessionAgentUuid) {
        const agent = await ctx.repos.sessionAgents.find(tenant, args.sessionUuid, args.sessionAgentUuid);
        if (!agent) throw new NotFoundError('SessionAgent', { sessionAgentUuid: args.sessionAgentUuid });
        agentUuid = agent.agent_uuid;
      }
      if (args.runUuid) {
        const run = await ctx.repos.sessionRuns.find(tenant, args.sessionUuid, args.runUuid);
        if (!run) throw new NotFoundError('SessionRun', { runUuid: args.runUuid });
        agentUuid = run.agent_uuid ?? agentUuid;
      }
      const analytics = analyticsOf(ctx);
      const feedback = await createFeedbackRepository(analytics).insertOnce(tenant, {
        session_uuid: args.sessionUuid,
        feedback_uuid: auditIdOf(tenant, 'feedback', requestIdOf(ctx), String(info.path.key)),
        coordination_uuid: session.coordination_uuid,
        session_agent_uuid: args.sessionAgentUuid ?? null,
        run_uuid: args.runUuid ?? null,
        agent_uuid: agentUuid,
        kind: args.kind,
        rating: args.rating,
        comment: args.comment ?? null,
        user_id: ctx.caller.userId,
        created_at: new Date().toISOString(),
      });
      // Added once under the feedback's id: a retry after a crash here adds what is missing, never twice.
      if (feedback.agent_uuid) {
        await analytics.counters.recordRating(tenant, {
          id: feedback.feedback_uuid,
          coordinationUuid: feedback.coordination_uuid,
          agentUuid: feedback.agent_uuid,
          kind: feedback.kind,
          rating: feedback.rating,
          at: new Date(feedback.created_at),
        });
      }
      return { feedback };
    },
  }),
);

const RatingByKindRef = builder
  .objectRef<AgentAnalytics['averageRatingByKind']>('AverageRatingByKind')
  .implement({
    fields: (t) => ({
      quality: t.exposeFloat('quality'),
      accuracy: t.exposeFloat('accuracy'),
      performance: t.exposeFloat('performance'),
    }),
  });

const AgentAnalyticsRef = builder
  .objectRef<AgentAnalytics & { agentName: string | null }>('AgentAnalytics')
  .implement({
    description: 'One agent over a day range, from stored counters (never from the runs).',
    fields: (t) => ({
      agentUuid: t.exposeID('agentUuid', { nullable: false }),
      agentName: t.exposeString('agentName'),
      runs: t.exposeInt('runs', { nullable: false }),
      succeeded: t.exposeInt('succeeded', { nullable: false }),
      failed: t.exposeInt('failed', { nullable: false }),
      successRate: t.exposeFloat('successRate'),
      p50DurationMs: t.exposeFloat('p50DurationMs', {
        description: 'From the duration histogram, interpolated within its bucket.',
      }),
      p95DurationMs: t.exposeFloat('p95DurationMs'),
      averageDurationMs: t.exposeFloat('averageDurationMs'),
      retries: t.exposeInt('retries', { nullable: false }),
      ratingCount: t.exposeInt('ratingCount', { nullable: false }),
      averageRating: t.exposeFloat('averageRating'),
      averageRatingByKind: t.field({
        type: RatingByKindRef,
        nullable: false,
        resolve: (a) => a.averageRatingByKind,
      }),
      usage: t.field({ type: UsageTotalsRef, nullable: false, resolve: (a) => a.usage }),
    }),
  });

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a day (YYYY-MM-DD) or a date-time');

builder.queryField('agentAnalytics', (t) =>
  t.field({
    type: [AgentAnalyticsRef],
    nullable: false,
    description:
      'Per agent of a coordination between two days (inclusive, UTC): runs, success rate, p50/p95 duration, retries, average rating, tokens and cost.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        from: t.arg.string({ required: true }),
        to: t.arg.string({ required: true }),
      },
      z.object({ coordinationUuid: IdSchema, from: Day, to: Day }),
    ),
    resolve: async (_, args, ctx) => {
      const tenant = ctx.caller.tenant;
      const [coordination, report] = await Promise.all([
        ctx.repos.coordinations.find(tenant, args.coordinationUuid),
        agentAnalytics(analyticsOf(ctx), tenant, args),
      ]);
      if (!coordination) throw new NotFoundError('Coordination', { coordinationUuid: args.coordinationUuid });
      const names = new Map(coordination.agents.map((a) => [a.agent_uuid, a.agent_name ?? null]));
      return report.agents.map((a) => ({ ...a, agentName: names.get(a.agentUuid) ?? null }));
    },
  }),
);
