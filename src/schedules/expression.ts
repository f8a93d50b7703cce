import { Cron, type CronOptions } from 'croner';
import { ValidationError } from '../errors.js';

/**
 * Parses a TaskSchedule's `schedule`: EventBridge `cron(...)` / `rate(...)`
 * forms, or a 5-field (minute-first) / 6-field (seconds-first) Unix cron.
 *
 * Everything accepted here can run both locally (croner computes the
 * occurrences, in UTC) and on AWS (`eventBridgeExpression` is what
 * EventBridge Scheduler receives), so a schedule never works in one place and
 * fails in the other. Rejections carry a reason meant for the user.
 */
export type ScheduleKind = 'cron' | 'rate';

export interface ParsedSchedule {
  readonly ok: true;
  readonly kind: ScheduleKind;
  /** The expression as the user wrote it (trimmed). */
  readonly expression: string;
  /** The equivalent `cron(...)` / `rate(...)` expression for EventBridge Scheduler (UTC). */
  readonly eventBridgeExpression: string;
  /** The first occurrence strictly after `from`, or undefined if there is none. */
  next(from: Date): Date | undefined;
}

export interface RejectedSchedule {
  readonly ok: false;
  readonly reason: string;
}

export type ScheduleParseResult = ParsedSchedule | RejectedSchedule;

const MAX_LENGTH = 256;
const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const reject = (reason: string): RejectedSchedule => ({ ok: false, reason });

export function parseScheduleExpression(input: string, options: { now?: Date } = {}): ScheduleParseResult {
  const expression = input.trim();
  if (expression.length === 0) return reject('the schedule is empty');
  if (expression.length > MAX_LENGTH) return reject(`the schedule is longer than ${MAX_LENGTH} characters`);
  const result = parseByForm(expression);
  if (!result.ok) return result;
  if (result.next(options.now ?? new Date()) === undefined) return reject('the schedule never fires');
  return result;
}

function parseByForm(expression: string): ScheduleParseResult {
  const wrapped = /^(\w+)\((.*)\)$/s.exec(expression);
  if (wrapped) {
    const [, form = '', body = ''] = wrapped;
    if (form === 'rate') return parseRate(expression, body.trim());
    if (form === 'cron') return parseEventBridgeCron(expression, body.trim());
    return reject(`unsupported form "${form}(...)": use cron(...), rate(...) or a 5/6-field cron`);
  }
  const fields = expression.split(/\s+/);
  if (fields.length === 5) return parseUnixCron(expression, fields);
  if (fields.length === 6) {
    const [seconds = '', ...rest] = fields;
    if (seconds !== '0') return reject('the seconds field must be 0: schedules fire at minute granularity');
    return parseUnixCron(expression, rest);
  }
  return reject('expected cron(...), rate(...), or a cron expression of 5 or 6 fields');
}

/** rate(N unit): N a positive integer, singular unit for 1 and plural otherwise, as EventBridge requires. */
function parseRate(expression: string, body: string): ScheduleParseResult {
  const match = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match)
    return reject('rate(...) takes "<positive integer> minute(s)|hour(s)|day(s)", e.g. rate(5 minutes)');
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (!Number.isSafeInteger(value) || value < 1) return reject('the rate value must be a positive integer');
  const singular = unit.replace(/s$/, '');
  if ((value === 1) !== (unit === singular)) {
    return reject(`write rate(${value} ${value === 1 ? singular : `${singular}s`})`);
  }
  const periodMs = value * (RATE_UNITS[singular] ?? 0);
  return {
    ok: true,
    kind: 'rate',
    expression,
    eventBridgeExpression: `rate(${value} ${unit})`,
    // Locally, occurrences are aligned to the epoch so every scheduler instance agrees on them;
    // EventBridge counts from the schedule's creation instead (same period, different phase).
    next: (from) => new Date((Math.floor(from.getTime() / periodMs) + 1) * periodMs),
  };
}

/** cron(minutes hours day-of-month month day-of-week year), day-of-week 1-7 = SUN-SAT. */
function parseEventBridgeCron(expression: string, body: string): ScheduleParseResult {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) {
    return reject('cron(...) takes 6 fields: minutes hours day-of-month month day-of-week year');
  }
  const [, , dom = '', , dow = ''] = fields;
  if ((dom === '?') === (dow === '?')) {
    return reject('cron(...) needs "?" in exactly one of day-of-month and day-of-week');
  }
  const badWeekday = dow.split(/[,\-#/]/).find((token) => /^\d+/.test(token) && !/^[1-7]L?$/.test(token));
  if (badWeekday !== undefined) {
    return reject(`day-of-week "${badWeekday}" is out of range: cron(...) uses 1-7 (SUN-SAT)`);
  }
  // sloppyRanges: AWS documents steps such as 0/15 ("from 0, every 15").
  return fromCroner(
    expression,
    'cron',
    `0 ${body}`,
    { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true },
    expression,
  );
}

/** minute hour day-of-month month day-of-week (0-7, 0 and 7 = Sunday). */
function parseUnixCron(expression: string, fields: string[]): ScheduleParseResult {
  const [minute = '', hour = '', dom = '', month = '', dow = ''] = fields;
  const open = (field: string) => field === '*' || field === '?';
  if (!open(dom) && !open(dow)) {
    return reject(
      'restricting both day-of-month and day-of-week is not supported (EventBridge cannot express it): use * in one of them',
    );
  }
  const eventBridgeDom = open(dom) && !open(dow) ? '?' : dom === '?' ? '*' : dom;
  const eventBridgeDow = open(dom) && !open(dow) ? weekdaysToNames(dow) : '?';
  const eventBridge = `cron(${minute} ${hour} ${eventBridgeDom} ${month} ${eventBridgeDow} *)`;
  return fromCroner(expression, 'cron', `0 ${fields.join(' ')}`, { mode: '6-part' }, eventBridge);
}

/** Unix weekday numbers (0-7) become names, which EventBridge reads the same way. */
function weekdaysToNames(dow: string): string {
  return (
    dow
      // "last <weekday> of the month" has no name form: 5L (Unix, Friday) is 6L in EventBridge's numbering.
      .replace(/(^|,)(\d)L(?=$|,)/g, (_m, lead: string, day: string) => `${lead}${(Number(day) % 7) + 1}L`)
      .replace(/(^|[,-])(\d+)(?=$|[,\-#/])/g, (_m, lead: string, day: string) => {
        return `${lead}${WEEKDAY_NAMES[Number(day) % 7] ?? day}`;
      })
  );
}

function fromCroner(
  expression: string,
  kind: ScheduleKind,
  pattern: string,
  options: CronOptions,
  eventBridgeExpression: string,
): ScheduleParseResult {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { ...options, paused: true, timezone: 'UTC' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reject(message.replace(/^CronPattern:\s*/, '').replace(/\.$/, ''));
  }
  return {
    ok: true,
    kind,
    expression,
    eventBridgeExpression,
    next: (from) => cron.nextRun(from) ?? undefined,
  };
}

/** For the TaskSchedule mutation: the parsed schedule, or BAD_USER_INPUT with the reason. */
export function assertValidSchedule(expression: string, options: { now?: Date } = {}): ParsedSchedule {
  const parsed = parseScheduleExpression(expression, options);
  if (!parsed.ok) throw new ValidationError(`Invalid schedule: ${parsed.reason}`, { schedule: expression });
  return parsed;
}
