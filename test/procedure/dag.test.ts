import { describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import type { AgentAction } from '../../src/domain/task/model.js';
import { validateDag } from '../../src/hubs/procedure/dag.js';

const agents: Agent[] = ['a', 'b', 'c'].map((id) => ({
  agent_uuid: id,
  agent_name: id.toUpperCase(),
  agent_type: 'task',
}));
const action = (...predecessors: string[]): AgentAction => ({ predecessors, primary_path: true });

describe('validateDag at start (the coordination may have changed since the task was written)', () => {
  it('accepts a DAG', () => {
    expect(() => validateDag({ a: action(), b: action('a'), c: action('a', 'b') }, agents)).not.toThrow();
  });

  it.each([
    ['an agent removed from the coordination', { a: action(), d: action('a') }, /unknown agents: d/],
    ['a self-loop', { a: action('a') }, /themselves as predecessor: a/],
    ['a cycle', { a: action('c'), b: action('a'), c: action('b') }, /cycle: a -> c -> b -> a/],
  ])('rejects %s with BAD_USER_INPUT naming the agents', (_name, actions, message) => {
    expect(() => validateDag(actions, agents)).toThrow(message);
    try {
      validateDag(actions, agents);
    } catch (error) {
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });
});
