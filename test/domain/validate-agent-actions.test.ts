import { describe, expect, it } from 'vitest';
import {
  describeDagProblems,
  findDagProblems,
  hasDagProblems,
} from '../../src/domain/task/validate-agent-actions.js';

const agents = ['a', 'b', 'c', 'd'];
const action = (...predecessors: string[]) => ({ predecessors });

describe('findDagProblems', () => {
  it.each([
    ['empty', {}],
    ['a chain', { a: action(), b: action('a'), c: action('b') }],
    ['a diamond', { a: action(), b: action('a'), c: action('a'), d: action('b', 'c') }],
    ['missing predecessors lists', { a: {}, b: { predecessors: null } }],
  ])('accepts %s', (_label, actions) => {
    const problems = findDagProblems(agents, actions);
    expect(problems).toEqual({ unknown: [], selfLoops: [], cycle: [] });
    expect(hasDagProblems(problems)).toBe(false);
  });

  it.each([
    ['an unknown key', { x: action() }, { unknown: ['x'], selfLoops: [], cycle: [] }],
    ['an unknown predecessor', { a: action('y', 'b') }, { unknown: ['y'], selfLoops: [], cycle: [] }],
    ['a self-loop', { a: action('a') }, { unknown: [], selfLoops: ['a'], cycle: [] }],
    ['a 2-cycle', { a: action('b'), b: action('a') }, { unknown: [], selfLoops: [], cycle: ['a', 'b'] }],
    [
      'a 3-cycle behind a valid agent',
      { a: action(), b: action('a', 'd'), c: action('b'), d: action('c') },
      { unknown: [], selfLoops: [], cycle: ['b', 'd', 'c'] },
    ],
  ])('finds %s', (_label, actions, expected) => {
    const problems = findDagProblems(agents, actions);
    expect(problems).toEqual(expected);
    expect(hasDagProblems(problems)).toBe(true);
  });

  it('names every offending agent in one message', () => {
    const message = describeDagProblems(
      findDagProblems(agents, { a: action('a', 'ghost'), b: action('c'), c: action('b') }),
    );
    expect(message).toBe(
      'agentActions is not a valid DAG (unknown agents: ghost; agents listing themselves as predecessor: a; cycle: b -> c -> b)',
    );
  });
});
