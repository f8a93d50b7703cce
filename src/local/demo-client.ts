import { pathToFileURL } from 'node:url';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ORDER_DESK } from './demo-tools.js';
import { DEMO } from './seed.js';

/**
 * The README's WebSocket example: with `npm start` running, it starts the demo
 * task over graphql-transport-ws, follows `sessionEvents`, approves the draft
 * when the user-in-the-loop step asks, and prints every transition until the
 * session completes.
 *   npx tsx src/local/demo-client.ts            (ACE_URL, default http://127.0.0.1:4000)
 *   npx tsx src/local/demo-client.ts orders     the Order desk: agents with tools, a refund to approve
 */
export interface DemoTransition {
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface DemoRun {
  readonly sessionUuid: string;
  readonly transitions: DemoTransition[];
  readonly status: string;
  readonly report: string | null;
}

type Result<T> = { data?: T | null; errors?: readonly { message: string }[] };

export function runQuery<T>(client: Client, query: string, variables?: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: Result<T> | undefined;
    client.subscribe<T>(
      { query, ...(variables && { variables }) },
      {
        next: (value) => {
          result = value as Result<T>;
        },
        error: reject,
        complete: () => {
          if (result?.errors?.length) reject(new Error(result.errors.map((e) => e.message).join('; ')));
          else resolve(result?.data as T);
        },
      },
    );
  });
}

const EXECUTE = `mutation ($c: String!, $t: String!) {
  executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } }
}`;
const FOLLOW = `subscription ($s: String!, $after: Int) {
  sessionEvents(sessionUuid: $s, after: $after) { seq type data }
}`;
const DECIDE = `mutation ($s: String!, $a: String!, $d: [ToolCallDecisionInput!]!) {
  decideToolCalls(sessionUuid: $s, sessionAgentUuid: $a, decisions: $d) { ok }
}`;
const APPROVE = `mutation ($s: String!, $a: String!, $i: String!) {
  executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: $i) { ok }
}`;

export async function runDemo(
  options: {
    baseUrl?: string;
    log?: (line: string) => void;
    approval?: string;
    demo?: 'launch' | 'orders';
  } = {},
): Promise<DemoRun> {
  const demo =
    options.demo === 'orders'
      ? { c: ORDER_DESK.coordinationUuid, t: ORDER_DESK.taskUuid }
      : { c: DEMO.coordinationUuid, t: DEMO.taskUuid };
  const baseUrl = (options.baseUrl ?? process.env.ACE_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const token = await (await fetch(`${baseUrl}/dev-token`)).text();
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql?token=${encodeURIComponent(token)}`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    const started = await runQuery<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(client, EXECUTE, demo);
    const { sessionUuid } = started.executeProcedureTaskSession.procedureTaskSession;
    log(`session ${sessionUuid} started`);
    const transitions: DemoTransition[] = [];
    let report: string | null = null;
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ sessionEvents: DemoTransition }>(
        { query: FOLLOW, variables: { s: sessionUuid, after: 0 } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
            const event = data?.sessionEvents;
            if (!event) return;
            transitions.push(event);
            const d = event.data;
            log(
              `#${event.seq} ${event.type} ${String(d.agent_name ?? d.status ?? d.session_agent_uuid ?? '')} ${String(d.state ?? '')}`.trimEnd(),
            );
            if (event.type === 'agent_output' && typeof d.output === 'string') report = d.output;
            if (event.type === 'tool_call')
              log(`  ${String(d.tool)}(${JSON.stringify(d.arguments)}) ${String(d.status)}`);
            if (event.type === 'tool_result') log(`  ${String(d.tool)} -> ${String(d.result)}`);
            if (event.type === 'tool_approval_requested') {
              const pending = d.pending_tool_calls as { call_id: string; tool: string }[];
              log(`  -> approving ${pending.map((p) => p.tool).join(', ')} (decideToolCalls)`);
              runQuery(client, DECIDE, {
                s: sessionUuid,
                a: d.session_agent_uuid,
                d: pending.map((p) => ({ callId: p.call_id, approve: true })),
              }).catch(reject);
            }
            if (event.type === 'agent_state' && d.state === 'wait_for_user_input' && !d.pending_tool_calls) {
              log(`  -> approving ${String(d.agent_name)} (executeForUserInput)`);
              runQuery(client, APPROVE, {
                s: sessionUuid,
                a: d.session_agent_uuid,
                i: options.approval ?? 'Approved as drafted.',
              }).catch(reject);
            }
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    const final = [...transitions].reverse().find((t) => t.type === 'session_status');
    const status = String(final?.data.status ?? 'unknown');
    log(`session ${status}`);
    return { sessionUuid, transitions, status, report };
  } finally {
    await client.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDemo({ demo: process.argv[2] === 'orders' ? 'orders' : 'launch' }).then(
    (run) => process.exit(run.status === 'completed' ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
