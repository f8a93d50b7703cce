import { describe, expect, it } from 'vitest';
import { camelToSnake, snakeToCamel, toCamelDeep, toSnakeDeep } from '../../src/graphql/case.js';

describe('camelCase <-> snake_case', () => {
  it.each([
    ['agentUuid', 'agent_uuid'],
    ['userInTheLoop', 'user_in_the_loop'],
    ['step2Name', 'step2_name'],
    ['name', 'name'],
  ])('%s <-> %s', (camel, snake) => {
    expect(camelToSnake(camel)).toBe(snake);
    expect(snakeToCamel(snake)).toBe(camel);
  });

  it('converts keys recursively through lists and maps, never values', () => {
    const stored = {
      agent_uuid: 'agent_1',
      script: { answers: [{ match: 'hello_world', answer: 'hi {agent_name}' }], delay_ms: 5 },
      example_queries: ['what_is_it'],
      nothing: null,
    };
    const api = toCamelDeep(stored);
    expect(api).toEqual({
      agentUuid: 'agent_1',
      script: { answers: [{ match: 'hello_world', answer: 'hi {agent_name}' }], delayMs: 5 },
      exampleQueries: ['what_is_it'],
      nothing: null,
    });
    expect(toSnakeDeep(api)).toEqual(stored);
  });

  it('keeps the ids that key agent_actions', () => {
    const stored = { agent_one: { primary_path: true }, '0123': { user_in_the_loop: null } };
    const api = toCamelDeep(stored, { keepTopKeys: true });
    expect(api).toEqual({ agent_one: { primaryPath: true }, '0123': { userInTheLoop: null } });
    expect(toSnakeDeep(api, { keepTopKeys: true })).toEqual(stored);
  });

  it('never rewrites the insides of JSON Schemas and tool arguments', () => {
    const schema = {
      type: 'object',
      properties: { orderId: { type: 'string' }, line_items: { type: 'array' } },
      required: ['orderId'],
      additionalProperties: false,
    };
    const api = {
      agentUuid: 'a1',
      tools: [{ type: 'http', name: 'lookup', headersProfile: 'crm', parameters: schema }],
      outputSchema: schema,
      script: { toolCalls: [{ name: 'lookup', arguments: { orderId: 'A-1' } }] },
    };
    const stored = toSnakeDeep(api) as Record<string, unknown>;
    expect(stored).toEqual({
      agent_uuid: 'a1',
      tools: [{ type: 'http', name: 'lookup', headers_profile: 'crm', parameters: schema }],
      output_schema: schema,
      script: { tool_calls: [{ name: 'lookup', arguments: { orderId: 'A-1' } }] },
    });
    expect(toCamelDeep(stored)).toEqual(api);
  });
});
