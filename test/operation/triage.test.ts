import { describe, expect, it } from 'vitest';
import { evaluateRouter, loadLabeledQueries } from '../../bench/router.bench.js';
import { demoCoordinations } from '../../src/hubs/operation/demo-coordinations.js';
import { createLexicalRouter, stem } from '../../src/hubs/operation/router.js';
import { operationHubSettingsFromEnv } from '../../src/hubs/operation/settings.js';
import { parseTriageAnswer, triagePrompt } from '../../src/hubs/operation/triage.js';

describe('triage answer parsing', () => {
  it.each([
    ['{"status":"assigned","agent_uuid":"42"}', { status: 'assigned', agent_uuid: '42' }],
    [
      'Sure!\n```json\n{"status": "assigned", "agent_uuid": "7", "message": "fits"}\n```',
      { agent_uuid: '7' },
    ],
    [
      'Result: {"status":"unassigned","message":"none"} hope that helps',
      { status: 'unassigned', message: 'none' },
    ],
    ['{"status":"error","message":"cannot decide"}', { status: 'error' }],
  ])('accepts %j', (text, expected) => {
    expect(parseTriageAnswer(text)).toMatchObject(expected);
  });

  it.each([
    'billing',
    '{"status":"assigned"}',
    '{"status":"maybe","agent_uuid":"1"}',
    '{"status":"assigned","agent_uuid":""}',
    '{not json}',
  ])('rejects %j', (text) => {
    expect(parseTriageAnswer(text)).toBeUndefined();
  });

  it("builds the Python engine's prompt from the task agents", () => {
    const prompt = triagePrompt('Where is my parcel?', [
      { agent_uuid: '1', agent_name: 'Shipping', agent_description: 'parcels', agent_type: 'task' },
    ]);
    expect(prompt).toBe(
      'Based on the following user query, please analyze and select the most appropriate agent:\n' +
        'User Query: Where is my parcel?\n' +
        'Available Agents: [{"agent_uuid":"1","agent_name":"Shipping","agent_description":"parcels"}]\n' +
        "Please assess the intent behind the query and align it with the agent's most appropriate capabilities, " +
        'then export the results in JSON format.',
    );
  });
});

describe('lexical router', () => {
  it('stems inflections to one term', () => {
    expect(new Set(['refund', 'refunds', 'refunded', 'refunding'].map(stem)).size).toBe(1);
    expect(stem('shipped')).toBe(stem('shipping'));
  });

  it('routes at least 90 % of the labeled queries to their labeled agent', () => {
    const queries = loadLabeledQueries();
    expect(queries.length).toBeGreaterThanOrEqual(60);
    expect(new Set(queries.map((q) => q.coordination)).size).toBeGreaterThanOrEqual(3);
    const { correct, total } = evaluateRouter(queries);
    expect(correct / total).toBeGreaterThanOrEqual(0.9);
  });

  it('finds no agent for an off-topic query and a confident one for a clear query', () => {
    const shop = demoCoordinations.find((c) => c.key === 'shop-support');
    const router = createLexicalRouter(shop?.agents ?? []);
    expect(router.route('Who won the football match yesterday?')).toBeUndefined();
    const match = router.route('I want a refund for my broken kettle');
    expect(match?.agentUuid).toBe('10000000000000000102');
    expect(match?.confidence).toBeGreaterThan(0.5);
  });
});

describe('operation hub settings from the environment', () => {
  it('reads the variables that are set and rejects bad values by name', () => {
    expect(operationHubSettingsFromEnv({})).toEqual({});
    expect(
      operationHubSettingsFromEnv({
        ACE_THREAD_LIFE_MINUTES: '45',
        ACE_DOUBLE_TEXTING: 'enqueue',
        ACE_AGENT_TIMEOUT_MS: '',
      }),
    ).toEqual({ threadLifeMinutes: 45, doubleTexting: 'enqueue' });
    expect(() => operationHubSettingsFromEnv({ ACE_DOUBLE_TEXTING: 'ignore' })).toThrow(/ACE_DOUBLE_TEXTING/);
  });
});
