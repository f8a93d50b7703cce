import type { Agent } from '../domain/coordination/model.js';
import type { Repositories } from '../domain/repositories.js';
import { ConflictError } from '../errors.js';
import { demoCoordinations } from '../hubs/operation/demo-coordinations.js';
import type { Tenant } from '../tenant.js';
import { ORDER_DESK, orderDeskAgents } from './demo-tools.js';

/**
 * The demo the local stack seeds (fixed ids, so the README can name them):
 * a "Product launch" coordination with a triage agent and four task agents on
 * the scripted runtime, and a task whose DAG runs research and competitor
 * analysis in parallel, waits for the user to approve the draft
 * (user in the loop), then merges everything into a report (merge action).
 * The operation hub's demo coordinations are seeded beside it.
 */
export const DEMO = {
  coordinationUuid: '20000000000000000001',
  taskUuid: '20000000000000000010',
  agents: {
    triage: '20000000000000000200',
    research: '20000000000000000201',
    competitors: '20000000000000000202',
    draft: '20000000000000000203',
    report: '20000000000000000204',
  },
} as const;

const scripted = (
  agent_uuid: string,
  agent_name: string,
  agent_description: string,
  answer: string,
  extra: Record<string, unknown> = {},
): Agent => ({
  agent_uuid,
  agent_name,
  agent_description,
  agent_type: 'task',
  runtime: 'scripted',
  script: { answer, delay_ms: 50, chunk_size: 16, ...extra },
});

export const demoLaunchAgents: Agent[] = [
  {
    agent_uuid: DEMO.agents.triage,
    agent_name: 'Launch triage',
    agent_description: 'Routes a question to the right launch agent.',
    agent_type: 'triage',
    runtime: 'scripted',
    script: {
      answers: [
        {
          match: '[Cc]ompetit|[Rr]ival',
          answer: `{"status":"assigned","agent_uuid":"${DEMO.agents.competitors}"}`,
        },
      ],
      answer: `{"status":"assigned","agent_uuid":"${DEMO.agents.research}"}`,
    },
  },
  scripted(
    DEMO.agents.research,
    'Market research',
    'Researches the market, customers and demand for a product.',
    '## Market\nDemand for {input} is growing; early adopters are small teams.',
  ),
  scripted(
    DEMO.agents.competitors,
    'Competitor analysis',
    'Compares competitors, rivals, their pricing and positioning.',
    '## Competitors\nTwo rivals; both price above us.',
  ),
  scripted(
    DEMO.agents.draft,
    'Announcement draft',
    'Drafts the launch announcement from research and competitor analysis.',
    '## Announcement\nIntroducing our product: faster and cheaper than the rivals.',
  ),
  scripted(
    DEMO.agents.report,
    'Launch report',
    'Writes the final launch report.',
    '## Report\nReady to launch.',
  ),
];

/** `origin`: where the local stack serves the demo's http tools (the Order desk's URLs point there). */
export async function seedDemo(repos: Repositories, tenant: Tenant, origin?: string): Promise<void> {
  const ignoreExisting = (error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  };
  await repos.coordinations
    .insert(tenant, {
      coordination_uuid: DEMO.coordinationUuid,
      coordination_name: 'Product launch',
      coordination_description: 'Plans a product launch: research, competitors, an approved draft, a report.',
      agents: demoLaunchAgents,
      updated_by: 'seed',
    })
    .catch(ignoreExisting);
  const a = DEMO.agents;
  await repos.tasks
    .insert(tenant, {
      coordination_uuid: DEMO.coordinationUuid,
      task_uuid: DEMO.taskUuid,
      task_name: 'Launch plan',
      task_description: 'Research and competitors in parallel, a draft the user approves, a merged report.',
      initial_task_query: '{"product": "Acme Notes"}',
      subtask_queries: [
        { agent_uuid: a.research, subtask_query: 'Research the market for {product}.' },
        { agent_uuid: a.competitors, subtask_query: 'Analyse the competitors of {product}.' },
        { agent_uuid: a.draft, subtask_query: 'Draft the announcement of {product}.' },
        { agent_uuid: a.report, subtask_query: 'Write the launch report for {product}.' },
      ],
      agent_actions: {
        [a.research]: { predecessors: [], primary_path: true },
        [a.competitors]: { predecessors: [], primary_path: false },
        [a.draft]: { predecessors: [a.research, a.competitors], primary_path: true, user_in_the_loop: true },
        [a.report]: {
          predecessors: [a.research, a.competitors, a.draft],
          primary_path: false,
          action_function: { name: 'merge_outputs' },
        },
      },
      updated_by: 'seed',
    })
    .catch(ignoreExisting);
  if (origin) await seedOrderDesk(repos, tenant, origin);
  for (const demo of demoCoordinations) {
    await repos.coordinations
      .insert(tenant, {
        coordination_uuid: demo.coordination_uuid,
        coordination_name: demo.coordination_name,
        coordination_description: demo.coordination_description,
        agents: [...demo.agents],
        updated_by: 'seed',
      })
      .catch(ignoreExisting);
  }
}

/** The Order desk (agents that act): its tool URLs follow the port of this start, so it is rewritten each time. */
async function seedOrderDesk(repos: Repositories, tenant: Tenant, origin: string): Promise<void> {
  const agents = orderDeskAgents(origin);
  await repos.coordinations
    .insert(tenant, {
      coordination_uuid: ORDER_DESK.coordinationUuid,
      coordination_name: 'Order desk',
      coordination_description:
        'Agents that act: an order lookup (builtin + http tool) and a refund that needs approval.',
      agents,
      updated_by: 'seed',
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
      await repos.coordinations.update(tenant, ORDER_DESK.coordinationUuid, { agents, updated_by: 'seed' });
    });
  const { lookup, refund } = ORDER_DESK.agents;
  await repos.tasks
    .insert(tenant, {
      coordination_uuid: ORDER_DESK.coordinationUuid,
      task_uuid: ORDER_DESK.taskUuid,
      task_name: 'Damaged order',
      task_description: 'Look the order up, then refund it once a person approves the refund call.',
      initial_task_query: 'Order A-1001 arrived damaged.',
      subtask_queries: [
        { agent_uuid: lookup, subtask_query: 'Look up order A-1001.' },
        { agent_uuid: refund, subtask_query: 'Refund order A-1001 if it is damaged.' },
      ],
      agent_actions: {
        [lookup]: { predecessors: [], primary_path: true },
        [refund]: { predecessors: [lookup], primary_path: true },
      },
      updated_by: 'seed',
    })
    .catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
}
