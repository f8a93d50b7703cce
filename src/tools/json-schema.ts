import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './spec.js';

/**
 * JSON Schema checks for tool arguments and structured output (ajv, the
 * validator the MCP SDK uses too). Compiled validators are cached by the
 * schema's text: the same agent's schemas compile once per process.
 */
// Built on the first schema checked: most cold starts (a WebSocket frame, a queue message) check none.
let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

function compiled(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
    validate = ajv.compile(schema);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, validate);
  }
  return validate;
}

/** Null when `schema` is a schema ajv can compile, else why not (checked when a coordination is written). */
export function schemaProblem(schema: JsonSchema): string | null {
  try {
    compiled(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The validation errors of `value` against `schema` as readable lines; empty when it is valid. */
export function validationErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = compiled(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(root)';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
      : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}
