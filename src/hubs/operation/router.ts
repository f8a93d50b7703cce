import type { Agent } from '../../domain/coordination/model.js';

/**
 * The local lexical router: BM25 over each task agent's name, description
 * and optional `example_queries`, with light stemming. It needs no model, so
 * it decides when no triage LLM is configured or the LLM's answer is unusable,
 * and it runs in well under a millisecond for a coordination's handful of agents.
 */
export interface RouteMatch {
  readonly agentUuid: string;
  /** 0..1: how clearly the best agent beat the runner-up, scaled by how much of the query it explains. */
  readonly confidence: number;
  readonly score: number;
  readonly matchedTerms: readonly string[];
}

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could do does did for from has have how i if in into is it its ' +
    'me my of on or our please should so than that the their them then there these this to was we were what ' +
    'when where which who why will with would you your about any some need want help get got just also us ' +
    'all am there here out up down over more most very much many one two its im ive id dont cant wont let ' +
    'tell show give know make like same other another each new now next last still yet again'
  ).split(' '),
);

/** Porter-lite: enough to meet "refunds"/"refunded"/"refunding" at "refund". */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed', 'er', 'ly', 'ment', 'ation', 'ion']) {
    if (w.length - suffix.length >= 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && w.at(-1) === w.at(-2) && !'aeiouls'.includes(w.at(-1) ?? '')) w = w.slice(0, -1);
  return w;
}

export function terms(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .match(/[a-z0-9]+/g) ?? []
  )
    .filter((t) => t.length > 1 && !STOPWORDS.has(t))
    .map(stem);
}

interface AgentDoc {
  readonly agentUuid: string;
  readonly weights: Map<string, number>;
  readonly length: number;
}

const FIELD_WEIGHTS = { name: 3, description: 1, example: 1.5 } as const;
const K1 = 1.2;
const B = 0.5;
/** Below this the best score is noise (one common word): the router says "no match". */
const MIN_SCORE = 0.8;

function exampleQueries(agent: Agent): string[] {
  const raw = agent.example_queries;
  return Array.isArray(raw) ? raw.filter((q): q is string => typeof q === 'string') : [];
}

export interface LexicalRouter {
  route(query: string): RouteMatch | undefined;
  /** Every agent's score, best first (bench and debugging). */
  scores(query: string): { agentUuid: string; score: number }[];
}

/** Builds the index once per coordination; `route` is then pure and cheap. */
export function createLexicalRouter(agents: readonly Agent[]): LexicalRouter {
  const docs: AgentDoc[] = agents.map((agent) => {
    const weights = new Map<string, number>();
    const add = (text: string | null | undefined, weight: number) => {
      for (const term of terms(text ?? '')) weights.set(term, (weights.get(term) ?? 0) + weight);
    };
    add(agent.agent_name.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'), FIELD_WEIGHTS.name);
    add(agent.agent_description, FIELD_WEIGHTS.description);
    for (const example of exampleQueries(agent)) add(example, FIELD_WEIGHTS.example);
    const length = [...weights.values()].reduce((sum, w) => sum + w, 0);
    return { agentUuid: agent.agent_uuid, weights, length };
  });
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, docs.length);
  const df = new Map<string, number>();
  for (const doc of docs) for (const term of doc.weights.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = (term: string) => {
    const n = df.get(term) ?? 0;
    return Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
  };

  function scoreAll(query: string) {
    const queryTerms = [...new Set(terms(query))];
    return {
      queryTerms,
      ranked: docs
        .map((doc) => {
          let score = 0;
          const matched: string[] = [];
          for (const term of queryTerms) {
            const tf = doc.weights.get(term);
            if (!tf) continue;
            matched.push(term);
            const norm = tf + K1 * (1 - B + (B * doc.length) / (avgLength || 1));
            score += idf(term) * ((tf * (K1 + 1)) / norm);
          }
          return { agentUuid: doc.agentUuid, score, matched };
        })
        .sort((a, b) => b.score - a.score),
    };
  }

  return {
    route(query) {
      const { queryTerms, ranked } = scoreAll(query);
      const [best, second] = ranked;
      if (!best || best.score < MIN_SCORE) return undefined;
      const margin = second && second.score > 0 ? (best.score - second.score) / best.score : 1;
      const coverage = best.matched.length / Math.max(1, queryTerms.length);
      const confidence = Math.round(Math.min(1, 0.5 * margin + 0.5 * Math.sqrt(coverage)) * 1000) / 1000;
      return { agentUuid: best.agentUuid, confidence, score: best.score, matchedTerms: best.matched };
    },
    scores: (query) => scoreAll(query).ranked.map(({ agentUuid, score }) => ({ agentUuid, score })),
  };
}
