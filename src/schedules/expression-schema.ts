import * as z from 'zod';
import { parseScheduleExpression } from './expression.js';

/**
 * A TaskSchedule `schedule` for input validation (e.g. `t.validate` in the
 * GraphQL schema): trimmed, and refused with the parser's reason, which the
 * validation plugin reports as BAD_USER_INPUT.
 */
export const ScheduleExpressionSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const parsed = parseScheduleExpression(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `invalid schedule: ${parsed.reason}` });
  });
