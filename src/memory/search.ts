import MiniSearch from 'minisearch';
import type { MemoryHit, MemoryRecord } from './model.js';

/** Every string and number inside a JSON value, in document order: what a lexical search can match. */
export function textOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') parts.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') parts.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, inner] of Object.entries(v)) {
        parts.push(k);
        walk(inner);
      }
  };
  walk(value);
  return parts.join(' ');
}

/**
 * Ranks records for a query with MiniSearch (BM25, prefix and fuzzy matches):
 * the key counts twice as much as the data. Ties break by key so the same
 * records always answer in the same order.
 */
export function rankRecords(records: readonly MemoryRecord[], query: string, limit: number): MemoryHit[] {
  if (!query.trim() || records.length === 0) return [];
  const index = new MiniSearch<{ id: number; key: string; text: string }>({
    fields: ['key', 'text'],
    searchOptions: { boost: { key: 2 }, prefix: true, fuzzy: 0.2, combineWith: 'OR' },
  });
  index.addAll(
    records.map((r, id) => ({ id, key: r.key.replace(/[_.:/@-]/g, ' '), text: textOf(r.memory_data) })),
  );
  return index
    .search(query)
    .map((hit) => ({ record: records[hit.id as number] as MemoryRecord, score: hit.score }))
    .sort((a, b) => b.score - a.score || a.record.key.localeCompare(b.record.key))
    .slice(0, limit);
}
