import type { ServerResponse } from 'node:http';
import { type RecordedRequest, startHttpServer } from '../../runtimes/support/http-server.js';

interface ChatBody {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string }[];
}

export interface LlmServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** What the model named `triage` answers, given the user query it was asked about. */
  triageAnswer: (userQuery: string) => string;
  /** `held:<name>` requests wait while the gate is closed; opening answers them all. */
  closeGate(): void;
  openGate(): void;
  /** How many `held:` requests are waiting at the closed gate. */
  readonly held: number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `metered:` models report for every call (the others report no usage, as some servers do). */
export const METERED_USAGE = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };

function reply(res: ServerResponse, body: ChatBody, content: string, usage?: typeof METERED_USAGE) {
  const base = { id: 'c', created: 1, model: body.model };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        ...(usage && { usage }),
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < content.length; i += 6) {
    const delta = { content: content.slice(i, i + 6) };
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta }] })}\n\n`,
    );
  }
  // stream_options.include_usage: a last chunk with no choices carries the usage.
  if (usage)
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`,
    );
  res.end('data: [DONE]\n\n');
}

/**
 * An OpenAI-compatible chat completions server whose "models" behave by name:
 * `triage` answers with `triageAnswer(query)`; `agent:<name>` answers
 * "<name> says: <query> (turn <n>)" where n counts the user turns it was sent;
 * `slow:<ms>:<name>` does the same after a delay; `held:<name>` once the test
 * opens the gate (a test orders events by conditions, not by a delay);
 * `metered:<name>` like `agent:` and reports METERED_USAGE.
 */
export async function startLlmServer(): Promise<LlmServer> {
  const state = { triageAnswer: (_q: string) => '{"status":"unassigned","message":"no idea"}' };
  const gate = { open: true, waiting: [] as (() => void)[] };
  const server = await startHttpServer(async (req, res) => {
    const body = req.json as ChatBody;
    const last = body.messages.at(-1)?.content ?? '';
    if (body.model === 'triage') {
      const query = last.match(/User Query: (.*)\n/)?.[1] ?? '';
      return reply(res, body, state.triageAnswer(query));
    }
    const [kind, ...rest] = body.model.split(':');
    let name = rest.join(':');
    if (kind === 'slow') {
      const [ms, ...nameParts] = rest;
      name = nameParts.join(':');
      await sleep(Number(ms));
      if (res.destroyed || req.headers.connection === 'close') return;
    }
    if (kind === 'held' && !gate.open) {
      await new Promise<void>((resolve) => gate.waiting.push(resolve));
      if (res.destroyed || req.headers.connection === 'close') return;
    }
    const turns = body.messages.filter((m) => m.role === 'user').length;
    const usage = kind === 'metered' ? METERED_USAGE : undefined;
    return reply(res, body, `${name} says: ${last} (turn ${turns})`, usage);
  });
  return {
    url: server.url,
    requests: server.requests,
    get triageAnswer() {
      return state.triageAnswer;
    },
    set triageAnswer(fn) {
      state.triageAnswer = fn;
    },
    closeGate: () => {
      gate.open = false;
    },
    openGate: () => {
      gate.open = true;
      for (const release of gate.waiting.splice(0)) release();
    },
    get held() {
      return gate.waiting.length;
    },
    close: async () => {
      gate.open = true;
      for (const release of gate.waiting.splice(0)) release();
      await server.close();
    },
  };
}
