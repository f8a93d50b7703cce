import { describe, expect, it } from 'vitest';
import { conditionalUpdateInput } from '../../src/db/conditional-write.js';
import { buildUpdateExpression, ExpressionBuilder, where } from '../../src/db/expressions.js';

describe('expression builders (pure)', () => {
  it('builds nested AND / OR / NOT conditions with aliased names and values', () => {
    const b = new ExpressionBuilder();
    const text = b.condition(
      where.and(
        where.eq('partition_key', 'e#p'),
        where.or(where.notExists('running_agents'), where.sizeLt('running_agents', 3)),
        where.not(where.contains('completed_predecessors', 'x')),
      ),
    );
    expect(text).toBe(
      '(#n0 = :v0 AND (attribute_not_exists(#n1) OR size(#n1) < :v1) AND NOT (contains(#n2, :v2)))',
    );
    expect(b.names).toEqual({
      '#n0': 'partition_key',
      '#n1': 'running_agents',
      '#n2': 'completed_predecessors',
    });
    expect(b.values).toEqual({ ':v0': 'e#p', ':v1': 3, ':v2': 'x' });
  });

  it('builds SET, increments, ADD, DELETE and REMOVE clauses; undefined fields are skipped', () => {
    const b = new ExpressionBuilder();
    const text = buildUpdateExpression(
      {
        set: { state: 'executing', notes: undefined },
        increment: { attempts: 1 },
        add: { members: new Set(['a']) },
        delete: { slots: new Set(['b']) },
        remove: ['lease_until'],
      },
      b,
    );
    expect(text).toBe(
      'SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2 ADD #n2 :v3 DELETE #n3 :v4 REMOVE #n4',
    );
    expect(b.names['#n4']).toBe('lease_until');
    expect(b.values[':v2']).toBe(1);
  });

  it('a conditional update request carries both expressions and one shared alias table', () => {
    const input = conditionalUpdateInput({
      label: 'claim',
      table: 't',
      key: { id: '1' },
      update: { set: { state: 'executing' } },
      condition: where.eq('state', 'initial'),
    });
    expect(input).toMatchObject({
      UpdateExpression: 'SET #n0 = :v0',
      ConditionExpression: '#n0 = :v1',
      ExpressionAttributeNames: { '#n0': 'state' },
      ExpressionAttributeValues: { ':v0': 'executing', ':v1': 'initial' },
      ReturnValues: 'NONE',
    });
  });

  it('refuses an empty AND and an IN list DynamoDB would refuse', () => {
    expect(() => new ExpressionBuilder().condition(where.and())).toThrow(RangeError);
    expect(() => where.in('status', [])).toThrow(RangeError);
  });
});
