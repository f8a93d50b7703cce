/**
 * The Python engine's key-case rule: GraphQL speaks camelCase, storage is
 * snake_case, and JSON map fields (agents, agentActions, inputFiles, ...) are
 * converted recursively both ways. Only keys change, never values.
 *
 * Maps keyed by ids (agent_actions is keyed by agent_uuid) keep their
 * top-level keys as they are: an id is data, not a field name.
 */
export function camelToSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Keys whose values are data a tenant wrote for someone else (JSON Schemas of
 * tool parameters and structured output, tool-call arguments): kept exactly as
 * given, so `additionalProperties` stays `additionalProperties` and a property
 * named `orderId` stays `orderId`. Named in snake_case; matched in both cases.
 */
export const OPAQUE_VALUE_KEYS: ReadonlySet<string> = new Set(['parameters', 'output_schema', 'arguments']);

export interface ConvertOptions {
  /** Leave the keys of the outermost object alone (maps keyed by ids). */
  readonly keepTopKeys?: boolean;
}

function convertKeys(value: unknown, rename: (key: string) => string, keepKeys: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => convertKeys(item, rename, false));
  if (value === null || typeof value !== 'object') return value;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const opaque = OPAQUE_VALUE_KEYS.has(camelToSnake(key));
    out[keepKeys ? key : rename(key)] = opaque ? inner : convertKeys(inner, rename, false);
  }
  return out;
}

export const toSnakeDeep = (value: unknown, options: ConvertOptions = {}): unknown =>
  convertKeys(value, camelToSnake, options.keepTopKeys ?? false);

export const toCamelDeep = (value: unknown, options: ConvertOptions = {}): unknown =>
  convertKeys(value, snakeToCamel, options.keepTopKeys ?? false);
