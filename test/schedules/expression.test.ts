import { describe, expect, it } from 'vitest';
import { assertValidSchedule, parseScheduleExpression } from '../../src/schedules/expression.js';
import { ScheduleExpressionSchema } from '../../src/schedules/expression-schema.js';

const NOW = new Date('2026-01-01T00:00:00Z'); // a Thursday

const accepted = (expression: string) => {
  const result = parseScheduleExpression(expression, { now: NOW });
  if (!result.ok) throw new Error(`rejected ${expression}: ${result.reason}`);
  return result;
};

describe('parseScheduleExpression: accepted forms', () => {
  it.each([
    ['rate(1 minute)', 'rate', 'rate(1 minute)', '2026-01-01T00:01:00.000Z'],
    ['rate(5 minutes)', 'rate', 'rate(5 minutes)', '2026-01-01T00:05:00.000Z'],
    ['rate(2 hours)', 'rate', 'rate(2 hours)', '2026-01-01T02:00:00.000Z'],
    ['rate(1 day)', 'rate', 'rate(1 day)', '2026-01-02T00:00:00.000Z'],
    ['cron(0 12 * * ? *)', 'cron', 'cron(0 12 * * ? *)', '2026-01-01T12:00:00.000Z'],
    ['cron(15 10 ? * 2 *)', 'cron', 'cron(15 10 ? * 2 *)', '2026-01-05T10:15:00.000Z'], // 2 = Monday
    ['cron(0 18 ? * MON-FRI 2027)', 'cron', 'cron(0 18 ? * MON-FRI 2027)', '2027-01-01T18:00:00.000Z'],
    ['cron(0 12 L * ? *)', 'cron', 'cron(0 12 L * ? *)', '2026-01-31T12:00:00.000Z'],
    ['cron(0 9 ? * 6L *)', 'cron', 'cron(0 9 ? * 6L *)', '2026-01-30T09:00:00.000Z'], // last Friday
    ['*/15 * * * *', 'cron', 'cron(*/15 * * * ? *)', '2026-01-01T00:15:00.000Z'],
    ['30 8 * * 1-5', 'cron', 'cron(30 8 ? * MON-FRI *)', '2026-01-01T08:30:00.000Z'],
    ['0 0 1 * *', 'cron', 'cron(0 0 1 * ? *)', '2026-02-01T00:00:00.000Z'],
    ['0 30 8 * * 0', 'cron', 'cron(30 8 ? * SUN *)', '2026-01-04T08:30:00.000Z'], // 6 fields, seconds first
    ['0 9 * * 5L', 'cron', 'cron(0 9 ? * 6L *)', '2026-01-30T09:00:00.000Z'], // last Friday
    ['0 9 * * 1#2', 'cron', 'cron(0 9 ? * MON#2 *)', '2026-01-12T09:00:00.000Z'], // second Monday
    ['  rate(10 minutes)  ', 'rate', 'rate(10 minutes)', '2026-01-01T00:10:00.000Z'],
  ])('%s', (expression, kind, eventBridge, next) => {
    const result = accepted(expression);
    expect(result.kind).toBe(kind);
    expect(result.eventBridgeExpression).toBe(eventBridge);
    expect(result.next(NOW)?.toISOString()).toBe(next);
  });

  it('gives successive occurrences, strictly after the given time', () => {
    const cron = accepted('cron(0/20 * * * ? *)');
    const first = cron.next(NOW);
    expect(first?.toISOString()).toBe('2026-01-01T00:20:00.000Z');
    expect(cron.next(first as Date)?.toISOString()).toBe('2026-01-01T00:40:00.000Z');
  });

  it('aligns rate occurrences to the epoch, so every scheduler instance computes the same times', () => {
    const rate = accepted('rate(7 minutes)');
    const a = rate.next(new Date('2026-01-01T00:00:01Z'));
    const b = rate.next(new Date('2026-01-01T00:03:00Z'));
    expect(a?.getTime()).toBe(b?.getTime());
    expect((a?.getTime() ?? 1) % 420_000).toBe(0);
  });
});

describe('parseScheduleExpression: rejected with a reason', () => {
  it.each([
    ['', /empty/],
    ['every day', /expected cron\(\.\.\.\), rate\(\.\.\.\)/],
    ['rate(0 minutes)', /positive integer/],
    ['rate(5 minute)', /write rate\(5 minutes\)/],
    ['rate(1 minutes)', /write rate\(1 minute\)/],
    ['rate(5 seconds)', /minute\(s\)\|hour\(s\)\|day\(s\)/],
    ['rate(1.5 hours)', /rate\(\.\.\.\) takes/],
    ['at(2026-01-01T00:00:00)', /unsupported form "at/],
    ['cron(0 12 * * *)', /6 fields/],
    ['cron(0 12 * * * *)', /"\?" in exactly one/],
    ['cron(0 12 ? * ? *)', /"\?" in exactly one/],
    ['cron(0 12 ? * 8 *)', /day-of-week "8" is out of range/],
    ['cron(61 12 * * ? *)', /minute/],
    ['cron(0 25 * * ? *)', /hour/],
    ['cron(0 12 * 13 ? *)', /month/],
    ['cron(0 12 * * ? 2020)', /never fires/],
    ['0 0 30 2 *', /never fires/],
    ['* * * *', /5 or 6 fields/],
    ['*/5 * * * * * *', /5 or 6 fields/],
    ['15 * * * * *', /seconds field must be 0/],
    ['0 12 1 * MON', /both day-of-month and day-of-week/],
    ['x'.repeat(300), /longer than 256/],
  ])('%s', (expression, reason) => {
    const result = parseScheduleExpression(expression, { now: NOW });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('assertValidSchedule', () => {
  it('returns the parsed schedule, or throws BAD_USER_INPUT carrying the reason', () => {
    expect(assertValidSchedule('rate(3 hours)', { now: NOW }).eventBridgeExpression).toBe('rate(3 hours)');
    expect(() => assertValidSchedule('cron(0 12 * * * *)', { now: NOW })).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'Invalid schedule: cron(...) needs "?" in exactly one of day-of-month and day-of-week',
      }),
    );
  });
});

describe('ScheduleExpressionSchema', () => {
  it('accepts what the parser accepts (trimmed) and reports its reason otherwise', () => {
    expect(ScheduleExpressionSchema.parse('  rate(5 minutes) ')).toBe('rate(5 minutes)');
    const result = ScheduleExpressionSchema.safeParse('rate(5 minute)');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('invalid schedule: write rate(5 minutes)');
  });
});
