import * as z from 'zod';
import type { Tenant } from '../tenant.js';

export const UsageGroupBySchema = z.enum(['AGENT', 'MODEL', 'DAY', 'TASK']);
export type UsageGroupBy = z.infer<typeof UsageGroupBySchema>;

/** The rollup partition: one per tenant and coordination, so a report never reads another tenant's items. */
export const rollupKeyOf = (tenant: Tenant, coordinationUuid: string) =>
  `${tenant.partitionKey}#${coordinationUuid}`;

/** What a call without a task (operation hub) or without a model name is grouped under. */
export const NONE = '-';

/**
 * Sort keys `{GROUP}#{day}#{value}`: a report for one grouping and a day range
 * is one Query between two keys.
 */
export function rollupBuckets(
  day: string,
  dims: { agent: string; model: string | null; task: string | null },
): { groupBy: UsageGroupBy; groupKey: string; bucket: string }[] {
  const entries: [UsageGroupBy, string][] = [
    ['AGENT', dims.agent],
    ['MODEL', dims.model ?? NONE],
    ['DAY', day],
    ['TASK', dims.task ?? NONE],
  ];
  return entries.map(([groupBy, groupKey]) => ({
    groupBy,
    groupKey,
    bucket: `${groupBy}#${day}#${groupKey}`,
  }));
}

export const bucketRange = (groupBy: UsageGroupBy, fromDay: string, toDay: string) => ({
  low: `${groupBy}#${fromDay}`,
  // '~' sorts after every character of a group key or generation suffix.
  high: `${groupBy}#${toDay}#~`,
});
