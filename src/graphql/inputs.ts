import * as z from 'zod';
import { MAX_TOKEN_LENGTH } from '../db/page-token.js';
import { IdSchema } from '../domain/common/fields.js';
import { ValidationError } from '../errors.js';
import { type ConvertOptions, toSnakeDeep } from './case.js';

/**
 * Zod pieces shared by the argument schemas of every entity. Each GraphQL
 * field validates all its arguments with one zod object (plugin-validation),
 * so a bad argument is a BAD_USER_INPUT error before any read or write.
 */
export const PageArgsSchema = {
  pageNumber: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullish()
    .transform((v) => v ?? undefined),
  /** The previous page's nextToken (opaque; bound to the caller's tenant and this query). */
  nextToken: z
    .string()
    .min(1)
    .max(MAX_TOKEN_LENGTH)
    .nullish()
    .transform((v) => v ?? undefined),
  limit: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .nullish()
    .transform((v) => v ?? 100),
};

/** An optional filter: absent and null both mean "no filter". */
export const optionalFilter = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v) => (v === null ? undefined : v)) as unknown as z.ZodOptional<T>;

export const OptionalId = optionalFilter(IdSchema);
export const FilterText = optionalFilter(z.string().min(1).max(1024));

/**
 * A JSON argument given in camelCase: converted to snake_case, then checked
 * against the stored shape. Null stays null (clears the attribute on update).
 */
export function jsonInput<T extends z.ZodType>(schema: T, options: ConvertOptions = {}) {
  return z.preprocess((value) => (value == null ? value : toSnakeDeep(value, options)), schema.nullish());
}

/** Drops undefined entries (fields the caller did not supply). */
export function supplied<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Drops undefined and null entries: an insert stores no empty attributes. */
export function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/** An insert needs fields that an update may omit; names them in camelCase like the arguments. */
export function requireForInsert(entity: string, fields: Record<string, unknown>): void {
  const missing = Object.entries(fields)
    .filter(([, v]) => v === undefined || v === null)
    .map(([k]) => k);
  if (missing.length > 0) {
    throw new ValidationError(`${entity}: ${missing.join(', ')} required to create one`, { missing });
  }
}
