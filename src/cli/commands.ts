import type { AceClient } from './client.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { Output } from './progress.js';
import {
  APPROVE,
  ASK,
  allEvents,
  type CliEvent,
  coordinationOf,
  FOLLOW,
  START,
  sessionAgents,
} from './session-queries.js';
import { watchSession } from './watch.js';

/** The commands' work, apart from argument parsing (main.ts), so tests can call either. */
export interface Io {
  readonly out: Output;
  readonly err: Output;
}

export async function ask(
  client: AceClient,
  io: Io,
  coordinationUuid: string,
  query: string,
  options: { agent?: string; session?: string; thread?: string; json?: boolean },
): Promise<ExitCode> {
  let streamed = false;
  let result: Record<string, unknown> | undefined;
  await client.stream<{ askOperationHub: Record<string, unknown> }>(
    ASK,
    { c: coordinationUuid, q: query, a: options.agent, s: options.session, t: options.thread },
    ({ data, extensions }) => {
      const chunk = (extensions?.askOperationHub as { chunk?: string } | undefined)?.chunk;
      if (chunk !== undefined && !options.json) {
        io.out.write(chunk);
        streamed = true;
      }
      if (data?.askOperationHub) result = data.askOperationHub;
    },
  );
  if (!result) throw new CliError('no answer', ExitCode.Failed);
  if (options.json) io.out.write(`${JSON.stringify(result)}\n`);
  else {
    if (!streamed && typeof result.answer === 'string') io.out.write(result.answer);
    io.out.write('\n');
    io.err.write(
      `session ${String(result.sessionUuid)} · run ${String(result.runUuid)} · ${String(result.status)}\n`,
    );
  }
  return result.status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
}

export async function run(
  client: AceClient,
  io: Io,
  coordinationUuid: string,
  taskUuid: string,
  options: { query?: string; watch?: boolean; json?: boolean; idempotencyKey?: string },
): Promise<ExitCode> {
  const data = await client.query<{
    executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string; coordinationUuid: string } };
  }>(START, { c: coordinationUuid, t: taskUuid, q: options.query, k: options.idempotencyKey });
  const session = data.executeProcedureTaskSession.procedureTaskSession;
  if (!options.watch) {
    io.out.write(options.json ? `${JSON.stringify(session)}\n` : `${session.sessionUuid}\n`);
    return ExitCode.Ok;
  }
  if (!options.json) io.err.write(`session ${session.sessionUuid} started\n`);
  return watchSession(client, session.sessionUuid, io.out, { json: Boolean(options.json) });
}

/** `agent` is a session agent uuid, an agent uuid, or an agent name (as the events name it). */
export async function approve(
  client: AceClient,
  io: Io,
  sessionUuid: string,
  agent: string,
  input: string,
): Promise<ExitCode> {
  const rows = await sessionAgents(client, sessionUuid);
  if (rows.length === 0) throw new CliError(`session ${sessionUuid} not found`, ExitCode.NotFound);
  const names = new Map<string, string>();
  for (const e of await allEvents(client, sessionUuid)) {
    if (e.type === 'agent_state' && typeof e.data.agent_name === 'string')
      names.set(String(e.data.session_agent_uuid), e.data.agent_name);
  }
  const matches = rows.filter(
    (r) => r.sessionAgentUuid === agent || r.agentUuid === agent || names.get(r.sessionAgentUuid) === agent,
  );
  const target = matches.find((r) => r.state === 'wait_for_user_input') ?? matches[0];
  if (!target) throw new CliError(`no agent "${agent}" in session ${sessionUuid}`, ExitCode.NotFound);
  await client.query(APPROVE, { s: sessionUuid, a: target.sessionAgentUuid, i: input });
  io.err.write(`answered ${names.get(target.sessionAgentUuid) ?? target.sessionAgentUuid}\n`);
  return ExitCode.Ok;
}

export async function events(
  client: AceClient,
  io: Io,
  sessionUuid: string,
  options: { follow?: boolean; json?: boolean; after?: number },
): Promise<ExitCode> {
  const print = (e: CliEvent) =>
    io.out.write(
      options.json
        ? `${JSON.stringify(e)}\n`
        : `#${e.seq} ${e.createdAt} ${e.type} ${JSON.stringify(e.data)}\n`,
    );
  if (!options.follow) {
    for (const e of await allEvents(client, sessionUuid, options.after ?? 0)) print(e);
    return ExitCode.Ok;
  }
  await client.stream<{ sessionEvents: CliEvent }>(
    FOLLOW,
    { s: sessionUuid, after: options.after ?? 0 },
    ({ data }) => {
      if (data?.sessionEvents) print(data.sessionEvents);
    },
  );
  return ExitCode.Ok;
}

const EXPORT = `query Export($c: String!, $s: String!) {
  session(coordinationUuid: $c, sessionUuid: $s) {
    sessionUuid coordinationUuid taskUuid userId taskQuery status iterationCount subtaskQueries inputFiles logs
    executionPolicy createdAt updatedAt updatedBy
    task { taskUuid taskName taskDescription initialTaskQuery subtaskQueries agentActions executionPolicy }
    coordination { coordinationUuid coordinationName coordinationDescription agents }
    sessionAgents { sessionAgentUuid agentUuid state inDegree agentAction subtaskQuery agentInput agentOutput
      userInput notes threadUuid createdAt updatedAt }
    sessionRuns { runUuid threadUuid agentUuid sessionAgentUuid asyncTaskUuid userQuery answer status triage
      userId createdAt updatedAt }
  }
}`;

/** The whole session for replay: its records, its task and coordination, and every event in order. */
export async function exportSession(
  client: AceClient,
  io: Io,
  sessionUuid: string,
  options: { coordination?: string },
): Promise<ExitCode> {
  const coordinationUuid = options.coordination ?? (await coordinationOf(client, sessionUuid));
  const [data, log] = await Promise.all([
    client.query<{ session: unknown }>(EXPORT, { c: coordinationUuid, s: sessionUuid }),
    allEvents(client, sessionUuid),
  ]);
  if (!data.session) throw new CliError(`session ${sessionUuid} not found`, ExitCode.NotFound);
  const replay = {
    format: 'ace-session-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    session: data.session,
    events: log,
  };
  io.out.write(`${JSON.stringify(replay, null, 2)}\n`);
  return ExitCode.Ok;
}
