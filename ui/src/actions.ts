import type { Api } from './api.js';

/**
 * The buttons come from the schema, not from this file: the page reads the
 * Mutation type by introspection and offers every mutation that acts on a
 * session (`sessionUuid` argument) or on one of its agents
 * (`sessionAgentUuid`), except the raw record editors. So answering a
 * user-in-the-loop step (executeForUserInput) and resuming
 * (resumeProcedureTaskSession) appear today, and cancel, pause, resume or
 * tool-call decisions appear the day the API has them, with their own
 * argument names and descriptions.
 */
export interface ActionArg {
  readonly name: string;
  /** The GraphQL type as written: `String!`, `[String!]`, `JSON`... */
  readonly type: string;
  readonly required: boolean;
  readonly description: string | null;
}

export interface SessionAction {
  readonly name: string;
  readonly description: string | null;
  readonly scope: 'session' | 'agent';
  /** Arguments the page fills from what is on screen. */
  readonly contextArgs: readonly ActionArg[];
  /** Arguments the user types (a small form). */
  readonly inputArgs: readonly ActionArg[];
  /** Scalar fields of the payload to select (`__typename` when there are none). */
  readonly selection: string;
}

const CONTEXT_ARGS = new Set(['sessionUuid', 'coordinationUuid', 'sessionAgentUuid']);
// Record editors and deletes are not steering actions: GraphiQL is the place for them.
const EXCLUDED = /^(insertUpdate|delete)/;

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  description: string | null;
  args: { name: string; description: string | null; type: TypeRef }[];
  type: TypeRef;
}

const INTROSPECT = `query ActionsOfSchema {
  __schema { mutationType { fields { name description
    args { name description type { ...T } }
    type { ...T } } } }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

const PAYLOAD = `query Payload($name: String!) { __type(name: $name) { fields { name type { ...T } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

export function typeName(ref: TypeRef): string {
  if (ref.kind === 'NON_NULL') return `${typeName(ref.ofType!)}!`;
  if (ref.kind === 'LIST') return `[${typeName(ref.ofType!)}]`;
  return ref.name ?? '?';
}

function namedType(ref: TypeRef): TypeRef {
  return ref.ofType ? namedType(ref.ofType) : ref;
}

const isLeaf = (ref: TypeRef) => ['SCALAR', 'ENUM'].includes(namedType(ref).kind);

const toArg = (a: Field['args'][number]): ActionArg => ({
  name: a.name,
  type: typeName(a.type),
  required: a.type.kind === 'NON_NULL',
  description: a.description,
});

export interface SchemaOffer {
  /** Every mutation name (the page offers Start only where executeProcedureTaskSession exists). */
  readonly mutations: ReadonlySet<string>;
  readonly actions: readonly SessionAction[];
}

export async function discoverActions(api: Api): Promise<SchemaOffer> {
  const data = await api.query<{ __schema: { mutationType: { fields: Field[] } | null } }>(INTROSPECT);
  const fields = data.__schema.mutationType?.fields ?? [];
  const actions: SessionAction[] = [];
  for (const field of fields) {
    if (EXCLUDED.test(field.name)) continue;
    const names = field.args.map((a) => a.name);
    if (!names.includes('sessionUuid')) continue;
    const payload = namedType(field.type);
    let selection = '__typename';
    if (!isLeaf(field.type) && payload.name) {
      const shape = await api.query<{ __type: { fields: { name: string; type: TypeRef }[] } | null }>(
        PAYLOAD,
        { name: payload.name },
      );
      const leaves = (shape.__type?.fields ?? []).filter((f) => isLeaf(f.type)).map((f) => f.name);
      if (leaves.length) selection = leaves.join(' ');
    }
    actions.push({
      name: field.name,
      description: field.description,
      scope: names.includes('sessionAgentUuid') ? 'agent' : 'session',
      contextArgs: field.args.filter((a) => CONTEXT_ARGS.has(a.name)).map(toArg),
      inputArgs: field.args.filter((a) => !CONTEXT_ARGS.has(a.name)).map(toArg),
      selection: isLeaf(field.type) ? '' : `{ ${selection} }`,
    });
  }
  return { mutations: new Set(fields.map((f) => f.name)), actions };
}

/** Converts typed text to the argument's type (numbers, booleans, JSON); empty optional args are left out. */
export function argumentValue(arg: ActionArg, text: string): unknown {
  const base = arg.type.replace(/[!]/g, '');
  if (text === '' && !arg.required) return undefined;
  if (base === 'Int' || base === 'Float') return Number(text);
  if (base === 'Boolean') return text === 'true';
  if (base === 'JSON' || base.startsWith('[')) return JSON.parse(text);
  return text;
}

export function actionDocument(action: SessionAction): string {
  const all = [...action.contextArgs, ...action.inputArgs];
  const variables = all.map((a) => `$${a.name}: ${a.type}`).join(', ');
  const args = all.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `mutation ${action.name}Action(${variables}) { ${action.name}(${args}) ${action.selection} }`;
}
