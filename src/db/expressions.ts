/**
 * Pure builders for DynamoDB expressions. No I/O here: repositories pass the
 * results to the SDK, and unit tests check the strings.
 */
type Path = readonly string[];
type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type Condition =
  | { readonly kind: Comparison; readonly path: Path; readonly value: unknown }
  | { readonly kind: 'contains'; readonly path: Path; readonly value: unknown }
  | { readonly kind: 'in'; readonly path: Path; readonly values: readonly unknown[] }
  | { readonly kind: 'exists' | 'notExists'; readonly path: Path }
  /** size(path) compared with a number (sets, lists, strings). */
  | { readonly kind: 'size'; readonly op: Comparison; readonly path: Path; readonly value: number }
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition };

export interface Expression {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

const OPERATORS: Record<Comparison, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };
const pathOf = (path: string | Path): Path => (typeof path === 'string' ? [path] : path);

/** Readable constructors for conditions: `where.eq('state', 'initial')`. */
export const where = {
  eq: (path: string | Path, value: unknown): Condition => ({ kind: 'eq', path: pathOf(path), value }),
  ne: (path: string | Path, value: unknown): Condition => ({ kind: 'ne', path: pathOf(path), value }),
  lt: (path: string | Path, value: unknown): Condition => ({ kind: 'lt', path: pathOf(path), value }),
  gt: (path: string | Path, value: unknown): Condition => ({ kind: 'gt', path: pathOf(path), value }),
  contains: (path: string | Path, value: unknown): Condition => ({
    kind: 'contains',
    path: pathOf(path),
    value,
  }),
  in: (path: string | Path, values: readonly unknown[]): Condition => inCondition(pathOf(path), values),
  exists: (path: string | Path): Condition => ({ kind: 'exists', path: pathOf(path) }),
  notExists: (path: string | Path): Condition => ({ kind: 'notExists', path: pathOf(path) }),
  sizeLt: (path: string | Path, value: number): Condition => ({
    kind: 'size',
    op: 'lt',
    path: pathOf(path),
    value,
  }),
  sizeEq: (path: string | Path, value: number): Condition => ({
    kind: 'size',
    op: 'eq',
    path: pathOf(path),
    value,
  }),
  and: (...conditions: Condition[]): Condition => ({ kind: 'and', conditions }),
  or: (...conditions: Condition[]): Condition => ({ kind: 'or', conditions }),
  not: (condition: Condition): Condition => ({ kind: 'not', condition }),
};

export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private nameCount = 0;
  private valueCount = 0;
  private readonly nameOf = new Map<string, string>();

  constructor(private readonly prefix = '') {}

  name(path: readonly string[] | string): string {
    const parts = typeof path === 'string' ? [path] : path;
    return parts
      .map((part) => {
        let alias = this.nameOf.get(part);
        if (!alias) {
          alias = `#${this.prefix}n${this.nameCount++}`;
          this.nameOf.set(part, alias);
          this.names[alias] = part;
        }
        return alias;
      })
      .join('.');
  }

  value(value: unknown): string {
    const alias = `:${this.prefix}v${this.valueCount++}`;
    this.values[alias] = value;
    return alias;
  }

  condition(condition: Condition): string {
    switch (condition.kind) {
      case 'contains':
        return `contains(${this.name(condition.path)}, ${this.value(condition.value)})`;
      case 'in':
        return `${this.name(condition.path)} IN (${condition.values.map((v) => this.value(v)).join(', ')})`;
      case 'exists':
        return `attribute_exists(${this.name(condition.path)})`;
      case 'notExists':
        return `attribute_not_exists(${this.name(condition.path)})`;
      case 'size':
        return `size(${this.name(condition.path)}) ${OPERATORS[condition.op]} ${this.value(condition.value)}`;
      case 'and':
      case 'or': {
        if (condition.conditions.length === 0) throw new RangeError(`${condition.kind} needs a condition`);
        const parts = condition.conditions.map((c) => this.condition(c));
        return parts.length === 1
          ? (parts[0] as string)
          : `(${parts.join(` ${condition.kind.toUpperCase()} `)})`;
      }
      case 'not':
        return `NOT (${this.condition(condition.condition)})`;
      default:
        return `${this.name(condition.path)} ${OPERATORS[condition.kind]} ${this.value(condition.value)}`;
    }
  }

  /** AND of the conditions; undefined when there are none. */
  all(conditions: readonly Condition[]): string | undefined {
    if (conditions.length === 0) return undefined;
    return conditions.map((c) => this.condition(c)).join(' AND ');
  }
}

/** Splits an IN list: DynamoDB allows at most 100 operands per IN. */
export function inCondition(path: readonly string[], values: readonly unknown[]): Condition {
  if (values.length === 0 || values.length > 100) {
    throw new RangeError('IN needs between 1 and 100 values');
  }
  return { kind: 'in', path, values };
}

/**
 * SET for every defined field, REMOVE for every field explicitly null.
 * Keys are never updated.
 */
export function buildUpdate(
  fields: Record<string, unknown>,
  keyNames: readonly string[],
  builder = new ExpressionBuilder('u'),
): string {
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined || keyNames.includes(field)) continue;
    if (value === null) removes.push(builder.name(field));
    else sets.push(`${builder.name(field)} = ${builder.value(value)}`);
  }
  return [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

/** An update of a state transition: every clause a transition may need, nothing hand-written. */
export interface UpdateSpec {
  /** SET field = value (undefined fields are skipped). */
  readonly set?: Record<string, unknown>;
  /** SET field = if_not_exists(field, 0) + n (n may be negative). */
  readonly increment?: Record<string, number>;
  /** SET field = if_not_exists(field, value): set once, kept by later writes. */
  readonly setIfAbsent?: Record<string, unknown>;
  /** SET field = list_append(if_not_exists(field, []), values). */
  readonly append?: Record<string, readonly unknown[]>;
  /** ADD field value (a number or a set). */
  readonly add?: Record<string, unknown>;
  /** DELETE field set (removes members). */
  readonly delete?: Record<string, unknown>;
  readonly remove?: readonly string[];
}

export function buildUpdateExpression(spec: UpdateSpec, b: ExpressionBuilder): string {
  const sets = Object.entries(spec.set ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${b.name(field)} = ${b.value(value)}`);
  for (const [field, by] of Object.entries(spec.increment ?? {})) {
    const name = b.name(field);
    sets.push(`${name} = if_not_exists(${name}, ${b.value(0)}) + ${b.value(by)}`);
  }
  for (const [field, value] of Object.entries(spec.setIfAbsent ?? {})) {
    const name = b.name(field);
    sets.push(`${name} = if_not_exists(${name}, ${b.value(value)})`);
  }
  for (const [field, values] of Object.entries(spec.append ?? {})) {
    const name = b.name(field);
    sets.push(`${name} = list_append(if_not_exists(${name}, ${b.value([])}), ${b.value(values)})`);
  }
  const clause = (keyword: string, entries: [string, unknown][]) =>
    entries.length ? `${keyword} ${entries.map(([f, v]) => `${b.name(f)} ${b.value(v)}`).join(', ')}` : '';
  return [
    sets.length ? `SET ${sets.join(', ')}` : '',
    clause('ADD', Object.entries(spec.add ?? {})),
    clause('DELETE', Object.entries(spec.delete ?? {})),
    spec.remove?.length ? `REMOVE ${spec.remove.map((f) => b.name(f)).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
