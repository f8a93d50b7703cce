import * as z from 'zod';

/**
 * Field schemas shared by the entity models. Ids accept the Python engine's
 * 20-digit decimal ids and UUIDs (or any other url-safe id up to 64 chars)
 * so rows written by either engine read back.
 */
export const IdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an id (letters, digits, "-" or "_")');

export const NameSchema = z.string().trim().min(1).max(256);
export const DescriptionSchema = z.string().max(4096);
export const QueryTextSchema = z.string().max(32_768);
export const UpdatedBySchema = z.string().min(1).max(256);
/** PynamoDB wrote `2024-01-01T00:00:00.000000+0000`; this engine writes ISO-8601 with Z. Both read. */
export const TimestampSchema = z.string().min(1);

export const AuditFields = {
  partition_key: z.string().min(3),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  updated_by: z.string(),
};

/** Free-form JSON as stored (maps with snake_case keys). */
export const JsonValueSchema: z.ZodType<unknown> = z.unknown();

/** A DynamoDB string set as read (a Set) or as JSON (an array): always an array. */
export const StringSetSchema = z.union([z.set(z.string()), z.array(z.string())]).transform((v) => [...v]);

/**
 * Text that may be large (agent inputs and outputs, user inputs, answers):
 * over the inline limit it lives in S3 behind a reference, so DynamoDB's
 * 400 KB item limit does not bound it (src/payloads).
 */
export const LargeTextSchema = z.string().max(64 * 1024 * 1024);
