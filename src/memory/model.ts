import * as z from 'zod';
import { IdSchema } from '../domain/common/fields.js';

/** The seed's memory types: a session's scratch (working), kept across sessions (persistent), read by other agents (shared). */
export const MemoryTypeSchema = z.enum(['working', 'persistent', 'shared']);
export type MemoryType = z.infer<typeof MemoryTypeSchema>;

/**
 * A namespace groups records as LangGraph's Store does (`agent:{uuid}`,
 * `user:{id}`, `coordination:{uuid}`, `session:{uuid}`, or a caller's own):
 * a record is unique per (tenant, namespace, key).
 */
export const NamespaceSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_.:/@-]+$/, 'must be letters, digits or _ . : / @ -');
export const MemoryKeySchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_.:/@-]+$/, 'must be letters, digits or _ . : / @ -');
export const UserIdSchema = z.string().min(1).max(256);
export const MemoryTtlSchema = z
  .number()
  .int()
  .min(1)
  .max(10 * 365 * 24 * 3600);

/** JSON of a record, serialized; keeps an item well under DynamoDB's 400 KB. */
export const MAX_MEMORY_DATA_CHARS = 100_000;

export const MemoryRecordSchema = z.object({
  partition_key: z.string(),
  namespace: NamespaceSchema,
  key: MemoryKeySchema,
  memory_type: MemoryTypeSchema,
  memory_data: z.unknown(),
  agent_uuid: IdSchema.optional().nullable(),
  session_uuid: IdSchema.optional().nullable(),
  coordination_uuid: IdSchema.optional().nullable(),
  user_id: UserIdSchema.optional().nullable(),
  /** Epoch seconds (the table's TTL attribute); absent: kept until deleted. */
  expires_at: z.number().optional().nullable(),
  /** Optimistic concurrency: every write is conditioned on the version it read. */
  version: z.number().int().min(1),
  created_at: z.string(),
  updated_at: z.string(),
  updated_by: z.string(),
});
export type MemoryRecord = z.infer<typeof MemoryRecordSchema>;

/** What a writer supplies; the repository derives keys, timestamps and the version. */
export interface MemoryWrite {
  readonly namespace: string;
  readonly key: string;
  readonly memory_type?: MemoryType;
  readonly memory_data?: unknown;
  readonly agent_uuid?: string | null;
  readonly session_uuid?: string | null;
  readonly coordination_uuid?: string | null;
  readonly user_id?: string | null;
  /** null clears the expiry; undefined keeps it. */
  readonly ttl_seconds?: number | null;
  readonly updated_by: string;
}

export interface MemoryListOptions {
  readonly memoryType?: MemoryType;
  /** Inclusive ISO-8601 bounds on created_at. */
  readonly from?: string;
  readonly to?: string;
  readonly userId?: string;
  readonly limit?: number;
  readonly nextToken?: string;
}

export interface MemoryPage {
  readonly items: MemoryRecord[];
  readonly nextToken?: string;
}

export interface MemoryHit {
  readonly record: MemoryRecord;
  readonly score: number;
}
