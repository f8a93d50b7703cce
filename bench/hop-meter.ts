// Counts what a hop costs (predecessor's answer -> successor's model call), from what happened in a run:
// the DynamoDB requests on the wire (SDK middleware), the agents' model calls (a runtime wrapper) and
// the execute_agent messages sent to the queue. Nothing is estimated from the DAG's shape.
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Envelope, WorkQueue } from '../src/queue/port.js';
import type { AgentRuntime } from '../src/runtimes/port.js';

interface Request {
  readonly start: number;
  end: number;
  /** An event-log append: written beside the run, never awaited before a model call. */
  readonly event: boolean;
  /** The SessionRun record, the first write of a result. */
  readonly runRecord: boolean;
}

export function createHopMeter(client: DynamoDBClient) {
  const requests: Request[] = [];
  const calls = new Map<string, { start: number; end: number }>();
  const messagesFor = new Map<string, number>();
  let decrements = 0;
  const name = `hop-meter-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // An edge decrement is the update that adds the predecessor to completed_predecessors.
      if (
        context.commandName === 'UpdateItemCommand' &&
        JSON.stringify(args.input).includes('completed_predecessors')
      )
        decrements++;
      const table = String((args.input as { TableName?: string }).TableName ?? '');
      const request: Request = {
        start: performance.now(),
        end: Number.POSITIVE_INFINITY,
        event: table.endsWith('session_events'),
        runRecord: context.commandName === 'PutItemCommand' && table.endsWith('session_runs'),
      };
      requests.push(request);
      try {
        return await next(args);
      } finally {
        request.end = performance.now();
      }
    },
    { step: 'initialize', name },
  );

  /** The runtime, with each agent's model call timed (by agent_uuid: one call per agent here). */
  function timeRuntime(runtime: AgentRuntime): AgentRuntime {
    return {
      ...runtime,
      kind: runtime.kind,
      async run(request) {
        const call = { start: performance.now(), end: Number.POSITIVE_INFINITY };
        calls.set(request.agent.agent_uuid, call);
        try {
          return await runtime.run(request);
        } finally {
          call.end = performance.now();
        }
      },
    };
  }

  /** The queue, with the execute_agent messages counted per session agent. */
  function countQueue<Q extends WorkQueue>(queue: Q): Q {
    return Object.assign(Object.create(queue) as Q, {
      send: (messages: readonly Envelope[]) => {
        for (const m of messages) {
          const id = (m as { type?: string; session_agent_uuid?: string }).session_agent_uuid;
          if ((m as { type?: string }).type === 'execute_agent' && id)
            messagesFor.set(id, (messagesFor.get(id) ?? 0) + 1);
        }
        return queue.send(messages);
      },
    });
  }

  /**
   * Sequential round trips in [from, to]: requests that start after every request of the round before
   * them has answered begin a new round; requests started while one is in flight run beside it.
   * `all` counts every request; `awaited` leaves out event-log appends (the executor writes them beside
   * the run and awaits none before a model call), and `fromResult` counts those after the SessionRun
   * record, i.e. from the result write (the row's `executing -> completed`) on.
   */
  function roundTrips(from: number, to: number) {
    const inWindow = requests
      .filter((r) => r.start >= from && r.start <= to)
      .sort((a, b) => a.start - b.start);
    const rounds = (list: readonly Request[]) => {
      let n = 0;
      let frontier = Number.NEGATIVE_INFINITY;
      for (const r of list) {
        if (r.start >= frontier) {
          n++;
          frontier = r.end;
        } else frontier = Math.max(frontier, r.end);
      }
      return n;
    };
    const awaited = inWindow.filter((r) => !r.event);
    const recordEnd = awaited.find((r) => r.runRecord)?.end ?? from;
    return {
      rounds: rounds(inWindow),
      awaitedRounds: rounds(awaited),
      fromResult: rounds(awaited.filter((r) => r.start >= recordEnd)),
      requests: inWindow.length,
    };
  }

  /**
   * The run's critical path, walked back from the last answer through each agent's latest-answering
   * predecessor; per hop on it, the round trips and requests between the predecessor's answer and the
   * successor's model call, and whether a queue message carried the hop.
   */
  function criticalPath(
    agents: readonly { agentUuid: string; sessionAgentUuid: string; predecessors: readonly string[] }[],
  ) {
    const byAgent = new Map(agents.map((a) => [a.agentUuid, a]));
    const ended = (uuid: string) => calls.get(uuid)?.end ?? Number.NEGATIVE_INFINITY;
    let last = [...calls.keys()].sort((a, b) => ended(b) - ended(a))[0];
    const path: string[] = [];
    while (last) {
      path.unshift(last);
      const preds = byAgent.get(last)?.predecessors ?? [];
      last = [...preds].sort((a, b) => ended(b) - ended(a))[0];
    }
    const hops = path.slice(1).map((uuid, i) => {
      const pred = path[i] as string;
      const window = roundTrips(ended(pred), calls.get(uuid)?.start ?? ended(pred));
      const sessionAgent = byAgent.get(uuid)?.sessionAgentUuid ?? '';
      return { ...window, queued: (messagesFor.get(sessionAgent) ?? 0) > 0 };
    });
    return { agents: path.length, hops };
  }

  return {
    timeRuntime,
    countQueue,
    criticalPath,
    get decrements() {
      return decrements;
    },
    stop: () => client.middlewareStack.remove(name),
  };
}

export type HopMeter = ReturnType<typeof createHopMeter>;
