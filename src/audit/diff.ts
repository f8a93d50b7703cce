/**
 * Pure pieces of an audit record: the field-level diff of two stored items and
 * the redaction of secrets, tokens and operator-configured fields.
 */
export const REDACTED = '[REDACTED]';
/** Bookkeeping every write changes; the record has its own time. */
const IGNORED_FIELDS = new Set(['created_at', 'updated_at', 'partition_key']);
/** A value longer than this (as JSON) is cut: a record stays far below DynamoDB's 400 KB item limit. */
export const MAX_VALUE_CHARS = 4096;

/** Names that hold secrets whatever the operator configures (snake_cased, whole words). */
const SECRET_NAME =
  /(^|_)(secret|secrets|password|passwd|api_?key|authorization|credentials?|private_?key|cookie|token|access_?token|refresh_?token|id_?token|bearer|client_?secret)$/;

const normalise = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();

export interface Redactor {
  (value: unknown): unknown;
  isRedacted(name: string): boolean;
}

/** Redacts, at any depth, object entries whose name is a secret's or one the operator listed. */
export function createRedactor(configured: readonly string[] = []): Redactor {
  const listed = new Set(configured.map(normalise));
  const isRedacted = (name: string) => {
    const n = normalise(name);
    return SECRET_NAME.test(n) || listed.has(n);
  };
  const redact = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, isRedacted(k) ? REDACTED : redact(v)]),
      );
    }
    return value;
  };
  return Object.assign(redact, { isRedacted });
}

export interface FieldChange {
  readonly field: string;
  readonly old: unknown;
  readonly new: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function capped(value: unknown): unknown {
  if (value === undefined) return null;
  const json = JSON.stringify(value);
  return json && json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}… (truncated)` : value;
}

/**
 * Top-level attributes whose value differs between two items (absent on one
 * side: null), sorted by name, redacted. An insert diffs against nothing, a
 * delete against nothing after.
 */
export function diffItems(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  redact: Redactor,
): FieldChange[] {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: FieldChange[] = [];
  for (const field of [...names].sort()) {
    if (IGNORED_FIELDS.has(field)) continue;
    const old = before?.[field];
    const now = after?.[field];
    if (same(old, now)) continue;
    const secret = redact.isRedacted(field);
    changes.push({
      field,
      old: secret && old !== undefined ? REDACTED : capped(redact(old)),
      new: secret && now !== undefined ? REDACTED : capped(redact(now)),
    });
  }
  return changes;
}
