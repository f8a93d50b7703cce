import type { ObjectRef } from '@pothos/core';
import type { Page } from '../../db/paginate.js';
import { builder } from '../builder.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `deleteX` answers `{ok}` as the Python engine did. */
export const DeletePayloadRef = builder.objectRef<{ ok: boolean }>('DeletePayload').implement({
  description: 'Result of a deleteX mutation.',
  fields: (t) => ({ ok: t.exposeBoolean('ok', { nullable: false }) }),
});

/**
 * `{<x>List, pageSize, pageNumber, total, nextToken}`: the Python engine's page
 * shape plus a cursor. `total` is counted (a COUNT query) only when selected.
 */
export function listType<T, K extends string>(name: string, listField: K, ref: ObjectRef<Types, T>) {
  return builder.objectRef<Page<T>>(name).implement({
    fields: (t) => ({
      [listField]: t.field({ type: [ref], nullable: false, resolve: (page) => page.items }),
      pageSize: t.exposeInt('pageSize', { nullable: false }),
      pageNumber: t.exposeInt('pageNumber', { nullable: false }),
      total: t.int({
        nullable: false,
        description: 'Every match before paging; counted by its own query, only when selected.',
        resolve: (page) => (typeof page.total === 'function' ? page.total() : page.total),
      }),
      nextToken: t.string({
        description: 'Pass as nextToken for the next page; null on the last page.',
        resolve: (page) => page.nextToken ?? null,
      }),
    }),
  });
}

/** `insertUpdateX` answers `{x}`. */
export function payloadType<T, K extends string>(name: string, field: K, ref: ObjectRef<Types, T>) {
  return builder.objectRef<Record<K, T>>(name).implement({
    fields: (t) => ({
      [field]: t.field({ type: ref, nullable: false, resolve: (payload) => payload[field] as never }),
    }),
  });
}
