/**
 * Pure builders for DynamoDB expressions. No I/O here: repositories pass the
 * results to the SDK, and unit tests check the strings.
 */
export type Condition =
  | { readonly kind: 'eq'; readonly path: readonly string[]; readonly value: unknown }
  | { readonly kind: 'contains'; readonly path: readonly string[]; readonly value: unknown }
  | { readonly kind: 'in'; readonly path: readonly string[]; readonly values: readonly unknown[] };

export interface Expression {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

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
    const name = this.name(condition.path);
    switch (condition.kind) {
      case 'eq':
        return `${name} = ${this.value(condition.value)}`;
      case 'contains':
        return `contains(${name}, ${this.value(condition.value)})`;
      case 'in':
        return `${name} IN (${condition.values.map((v) => this.value(v)).join(', ')})`;
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
