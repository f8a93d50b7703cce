import type { AceClient } from './client.js';
import { CliError, ExitCode } from './exit-codes.js';

/** The GraphQL the commands send (one place, so the CLI and schema.graphql are easy to compare). */
export interface CliEvent {
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
}

export const EVENTS_PAGE = `query Events($s: String!, $after: Int, $limit: Int) {
  sessionEvents(sessionUuid: $s, after: $after, limit: $limit) { seq type data createdAt }
}`;
export const FOLLOW = `subscription Follow($s: String!, $after: Int) {
  sessionEvents(sessionUuid: $s, after: $after) { seq type data createdAt }
}`;
export const START = `mutation Start($c: String!, $t: String!, $q: String, $k: String) {
  executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t, taskQuery: $q, idempotencyKey: $k) {
    procedureTaskSession { sessionUuid coordinationUuid taskUuid }
  }
}`;
export const APPROVE = `mutation Approve($s: String!, $a: String!, $i: String!) {
  executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: $i) { ok }
}`;
export const ASK = `query Ask($c: String!, $q: String!, $a: String, $s: String, $t: String) {
  askOperationHub(coordinationUuid: $c, userQuery: $q, agentUuid: $a, sessionUuid: $s, threadUuid: $t, stream: true) {
    status answer error sessionUuid runUuid threadUuid agentUuid
  }
}`;
const AGENTS = `query Agents($s: String!) {
  sessionAgentList(sessionUuid: $s, limit: 1000) { sessionAgentList { sessionAgentUuid agentUuid coordinationUuid state } }
}`;
const RUNS = `query Runs($s: String!) { sessionRunList(sessionUuid: $s, limit: 1) { sessionRunList { coordinationUuid } } }`;

/** Every event with seq > after, page by page. */
export async function allEvents(client: AceClient, sessionUuid: string, after = 0): Promise<CliEvent[]> {
  const events: CliEvent[] = [];
  for (;;) {
    const page = await client.query<{ sessionEvents: CliEvent[] }>(EVENTS_PAGE, {
      s: sessionUuid,
      after: events.at(-1)?.seq ?? after,
      limit: 1000,
    });
    events.push(...page.sessionEvents);
    if (page.sessionEvents.length < 1000) return events;
  }
}

export interface SessionAgentRow {
  readonly sessionAgentUuid: string;
  readonly agentUuid: string;
  readonly coordinationUuid: string;
  readonly state: string;
}

export async function sessionAgents(client: AceClient, sessionUuid: string): Promise<SessionAgentRow[]> {
  const data = await client.query<{ sessionAgentList: { sessionAgentList: SessionAgentRow[] } | null }>(
    AGENTS,
    {
      s: sessionUuid,
    },
  );
  return data.sessionAgentList?.sessionAgentList ?? [];
}

/** A session's coordination, from its agents or runs (the API reads sessions by both ids). */
export async function coordinationOf(client: AceClient, sessionUuid: string): Promise<string> {
  const agents = await sessionAgents(client, sessionUuid);
  if (agents[0]) return agents[0].coordinationUuid;
  const runs = await client.query<{
    sessionRunList: { sessionRunList: { coordinationUuid: string }[] } | null;
  }>(RUNS, { s: sessionUuid });
  const found = runs.sessionRunList?.sessionRunList[0]?.coordinationUuid;
  if (!found) throw new CliError(`session ${sessionUuid} not found (pass --coordination)`, ExitCode.NotFound);
  return found;
}

/** The final status a session_status event carries, if it is final. */
export const FINAL = new Set(['completed', 'failed', 'cancelled', 'timeout', 'budget_exceeded']);
