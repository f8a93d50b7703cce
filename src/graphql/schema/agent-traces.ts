import type { AgentTrace } from '../../hubs/procedure/agent-traces.js';
import { builder } from '../builder.js';
import { SessionRef } from './session.js';

const AgentTraceRef = builder.objectRef<AgentTrace>('AgentTrace').implement({
  description: 'One agent of a session, from its stored row and event log.',
  fields: (t) => ({
    agentName: t.exposeString('agent_name', { nullable: false }),
    agentUuid: t.exposeID('agent_uuid', { nullable: false }),
    sessionAgentUuid: t.exposeID('session_agent_uuid', { nullable: false }),
    intent: t.exposeString('intent', { description: 'The subtask query the agent was given.' }),
    elapsedMs: t.exposeInt('elapsed_ms', { description: 'From executing to the state after the run.' }),
    attempts: t.exposeInt('attempts', { nullable: false, description: 'Runtime calls, retries included.' }),
    success: t.exposeBoolean('success', { nullable: false }),
    state: t.exposeString('state', { nullable: false }),
    error: t.exposeString('error'),
  }),
});

builder.objectField(SessionRef, 'agentTraces', (t) =>
  t.field({
    type: [AgentTraceRef],
    nullable: false,
    description: 'Per agent: name, intent, elapsed_ms, attempts, success, error (procedure sessions).',
    resolve: (session, _args, ctx) =>
      ctx.services.procedure
        ? ctx.services.procedure.agentTraces(ctx.caller.tenant, session.session_uuid)
        : [],
  }),
);

builder.objectField(SessionRef, 'warnings', (t) =>
  t.stringList({
    nullable: false,
    description: 'What went wrong without failing the session (a prefetch that failed or ran late).',
    resolve: (session) => session.warnings ?? [],
  }),
);

builder.objectField(SessionRef, 'prefetched', (t) =>
  t.field({
    type: 'JSON',
    description:
      'What the prefetch stage fetched, by cache key: {fn, value, agents}. Values are returned as fetched (no key case conversion).',
    resolve: (session) => session.prefetched ?? null,
  }),
);
