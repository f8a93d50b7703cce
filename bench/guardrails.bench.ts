// What output guardrails add to an answer, measured side by side in one run:
// 1. each built-in check's own time per answer (evaluate() on a typical answer; Bedrock's ApplyGuardrail
//    against a local server speaking its API), as a share of the time a streamed answer takes;
// 2. holding back the stream: time to first and last token through the real OpenAI-compatible
//    runtime from a local server that streams at a fixed pace, without output guardrails, held
//    until the whole answer passed (`answer`), and released paragraph by paragraph (`paragraph`).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Agent } from '../src/domain/coordination/model.js';
import { createBedrockGuardrail } from '../src/guardrails/bedrock-guardrail.js';
import { evaluate } from '../src/guardrails/evaluate.js';
import { guardedRuntime } from '../src/guardrails/guarded-runtime.js';
import { type GuardrailCheck, GuardrailCheckSchema, GuardrailsSchema } from '../src/guardrails/model.js';
import { envCredentials } from '../src/runtimes/credentials.js';
import { createOpenAIRuntime } from '../src/runtimes/openai.js';
import type { AgentRuntime } from '../src/runtimes/port.js';
import { startH2Server } from '../test/runtimes/support/eventstream-server.js';

const ROUNDS = Number(process.env.GUARDRAILS_BENCH_ROUNDS ?? 15);
const CHECK_RUNS = Number(process.env.GUARDRAILS_BENCH_CHECK_RUNS ?? 2000);
/** The local model's pace: CHUNKS chunks of about 4 characters (a token), one every CHUNK_MS. */
const CHUNK_MS = Number(process.env.GUARDRAILS_BENCH_CHUNK_MS ?? 4);

const paragraph = (i: number) =>
  `Paragraph ${i}: the launch plan covers pricing, the regions we ship to first, the support ` +
  'rota for the first week and the metrics we watch. Nothing here names a person or an account; ' +
  'the numbers are estimates from the last two quarters and are rounded to the nearest thousand.';
/** A typical answer: four paragraphs, about 1 100 characters, no findings (the path every passing answer takes). */
const ANSWER = [1, 2, 3, 4].map(paragraph).join('\n\n');
const JSON_ANSWER = JSON.stringify({ answer: ANSWER, confidence: 0.92 });
const CHUNKS = Math.ceil(ANSWER.length / 4);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An OpenAI-compatible server that streams ANSWER in ~4-character chunks, one every CHUNK_MS. */
async function startPacedModel(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req) {
      // the body is not needed: every request gets the same answer
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const base = { id: 'c', created: 1, model: 'paced', object: 'chat.completion.chunk' };
    for (let i = 0; i < ANSWER.length; i += 4) {
      // The pause is between chunks: the stream ends right after the last one.
      if (i > 0) await sleep(CHUNK_MS);
      const delta = { content: ANSWER.slice(i, i + 4) };
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta }] })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A local server speaking ApplyGuardrail: nothing to intervene on. */
function startBedrockGuardrailServer() {
  return startH2Server((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ usage: { topicPolicyUnits: 1 }, action: 'NONE', outputs: [], assessments: [] }));
  });
}

const check = (raw: Record<string, unknown>) => GuardrailCheckSchema.parse(raw);
const BUILT_IN: { name: string; check: GuardrailCheck; text: string }[] = [
  {
    name: 'deny_regex (3 patterns)',
    check: check({ type: 'deny_regex', patterns: ['internal only', 'password', 'secret key'] }),
    text: ANSWER,
  },
  { name: 'pii (email, phone, card, iban)', check: check({ type: 'pii' }), text: ANSWER },
  { name: 'max_length', check: check({ type: 'max_length', max: 4000 }), text: ANSWER },
  {
    name: 'output_schema (ajv)',
    check: check({
      type: 'output_schema',
      schema: {
        type: 'object',
        required: ['answer', 'confidence'],
        properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
      },
    }),
    text: JSON_ANSWER,
  },
  { name: 'min_confidence', check: check({ type: 'min_confidence', min: 0.8 }), text: JSON_ANSWER },
];

async function timeCheck(
  c: GuardrailCheck | GuardrailCheck[],
  text: string,
  runs: number,
  bedrock?: Parameters<typeof evaluate>[3]['bedrock'],
) {
  const checks = Array.isArray(c) ? c : [c];
  const times: number[] = [];
  for (let i = 0; i < runs + 50; i++) {
    const started = performance.now();
    const result = await evaluate(checks, text, 'output', { ...(bedrock && { bedrock }) });
    if (result.verdict !== 'pass') throw new Error(`the bench answer should pass ${checks[0]?.type}`);
    if (i >= 50) times.push(performance.now() - started); // the first 50 warm up (JIT, ajv compile, connection)
  }
  return median(times);
}

interface StreamTimes {
  /** When the client got its first and last chunk. */
  firstMs: number;
  lastMs: number;
  /** When the model's first and last chunk arrived (before any holding back). */
  modelFirstMs: number;
  modelLastMs: number;
}

/** The runtime with a tap on the model's own chunks: when each arrived, before the held stream sees it. */
function tapped(runtime: AgentRuntime, arrivals: number[]): AgentRuntime {
  return {
    kind: runtime.kind,
    run: (request) =>
      runtime.run({
        ...request,
        ...(request.onChunk && {
          onChunk: (chunk: string) => {
            arrivals.push(performance.now());
            return request.onChunk?.(chunk);
          },
        }),
      }),
  };
}

async function streamOnce(wrap: (inner: AgentRuntime) => AgentRuntime, model: AgentRuntime, agent: Agent) {
  const arrivals: number[] = [];
  const runtime = wrap(tapped(model, arrivals));
  const started = performance.now();
  let firstMs = -1;
  let lastMs = 0;
  await runtime.run({
    agent,
    threadUuid: 't',
    input: 'the plan?',
    userId: 'bench',
    onChunk: () => {
      const at = performance.now() - started;
      if (firstMs < 0) firstMs = at;
      lastMs = at;
    },
  });
  const times: StreamTimes = {
    firstMs,
    lastMs,
    modelFirstMs: (arrivals[0] ?? started) - started,
    modelLastMs: (arrivals.at(-1) ?? started) - started,
  };
  return times;
}

export async function run() {
  const model = await startPacedModel();
  const bedrockServer = await startBedrockGuardrailServer();
  try {
    const openai = createOpenAIRuntime({
      credentials: envCredentials({ ACE_OPENAI_BASE_URL: model.url, ACE_OPENAI_API_KEY: 'sk-local' }),
    });
    const agent: Agent = {
      agent_uuid: 'a1',
      agent_name: 'Writer',
      agent_type: 'task',
      runtime: 'openai',
      model: 'paced',
    };
    const outputChecks = [{ type: 'deny_regex', patterns: ['internal only'] }, { type: 'pii' }];
    const held = (raw: Record<string, unknown>) => (inner: AgentRuntime) =>
      guardedRuntime(inner, GuardrailsSchema.parse(raw), {});
    const variants: { name: string; wrap: (inner: AgentRuntime) => AgentRuntime }[] = [
      { name: 'no output guardrails', wrap: (inner) => inner },
      { name: 'held until the answer passed (answer)', wrap: held({ output: outputChecks }) },
      {
        name: 'released per paragraph (paragraph)',
        wrap: held({ output: outputChecks, stream_checkpoint: 'paragraph' }),
      },
    ];
    // Side by side: each round runs every variant once, in turn, after one warm-up round. The
    // added latency is measured within each run: client chunk time minus the model chunk's arrival.
    const rows = variants.map(() => ({
      first: [] as number[],
      last: [] as number[],
      addFirst: [] as number[],
      addLast: [] as number[],
    }));
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [i, v] of variants.entries()) {
        const t = await streamOnce(v.wrap, openai, agent);
        if (round === 0) continue;
        const row = rows[i]!;
        row.first.push(t.firstMs);
        row.last.push(t.lastMs);
        row.addFirst.push(t.firstMs - t.modelFirstMs);
        row.addLast.push(t.lastMs - t.modelLastMs);
      }
    }
    const base = { first: median(rows[0]!.first), last: median(rows[0]!.last) };
    console.log(
      `streamed answer: ${ANSWER.length} characters in ${CHUNKS} chunks, one every ${CHUNK_MS} ms (local OpenAI-compatible server, real runtime); ${ROUNDS} rounds after 1 warm-up, medians`,
    );
    console.log(
      '| stream | first token | last token | first token added | last token added | first token vs none | last token vs none |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [i, v] of variants.entries()) {
      const r = rows[i]!;
      const first = median(r.first);
      const last = median(r.last);
      console.log(
        `| ${v.name} | ${first.toFixed(1)} ms | ${last.toFixed(1)} ms | ${median(r.addFirst).toFixed(1)} ms | ${median(r.addLast).toFixed(2)} ms | ${(first / base.first).toFixed(1)}x | ${(last / base.last).toFixed(3)}x |`,
      );
    }
    console.log(
      '(added: the client chunk time minus the arrival of the same point of the answer from the model, in the same run)',
    );

    const apply = createBedrockGuardrail({
      credentials: envCredentials({ ACE_BEDROCK_BASE_URL: bedrockServer.url }),
      clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    });
    const bedrockCheck = check({ type: 'bedrock', guardrail_identifier: 'gr-1', guardrail_version: '1' });
    console.log(
      `\nbuilt-in checks on a passing answer (${ANSWER.length} characters; JSON ${JSON_ANSWER.length} for schema and confidence), median of ${CHECK_RUNS} after 50 warm-up; share = added time / last token of the unguarded stream (${base.last.toFixed(1)} ms)`,
    );
    console.log('| check | added per answer | share of the answer time |');
    console.log('| --- | --- | --- |');
    for (const c of BUILT_IN) {
      const ms = await timeCheck(c.check, c.text, CHECK_RUNS);
      console.log(`| ${c.name} | ${(ms * 1000).toFixed(1)} µs | ${((ms / base.last) * 100).toFixed(4)} % |`);
    }
    const both = outputChecks.map((c) => check(c));
    const bothMs = await timeCheck(both, ANSWER, CHECK_RUNS);
    console.log(
      `| deny_regex + pii (the stream rows' checks) | ${(bothMs * 1000).toFixed(1)} µs | ${((bothMs / base.last) * 100).toFixed(4)} % |`,
    );
    const bedrockMs = await timeCheck(bedrockCheck, ANSWER, Math.min(CHECK_RUNS, 300), apply);
    console.log(
      `| bedrock (ApplyGuardrail, local server over HTTP/2) | ${bedrockMs.toFixed(2)} ms | ${((bedrockMs / base.last) * 100).toFixed(2)} % |`,
    );
  } finally {
    await model.close();
    await bedrockServer.close();
  }
}
