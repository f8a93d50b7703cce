import type { AceClient } from './client.js';
import type { Io } from './commands.js';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Steering verbs (cancel, pause, resume, ...) as this server's API has them:
 * found by introspection among the mutations that take a `sessionUuid`, so a
 * command works the day its mutation lands and says so plainly before.
 */
interface MutationField {
  name: string;
  description: string | null;
  args: {
    name: string;
    type: { kind: string; name: string | null; ofType: { name: string | null } | null };
  }[];
  type: { kind: string; name: string | null; ofType: { kind: string; name: string | null } | null };
}

const INTROSPECT = `{ __schema { mutationType { fields { name description
  args { name type { kind name ofType { name } } } type { kind name ofType { kind name } } } } } }`;
const PAYLOAD = `query ($n: String!) { __type(name: $n) { fields { name type { kind ofType { kind } } } } }`;

/** The payload's scalar fields (what --json prints), or none for a scalar payload. */
async function selectionOf(client: AceClient, field: MutationField): Promise<string> {
  const named = field.type.kind === 'NON_NULL' ? field.type.ofType : field.type;
  if (!named?.name || named.kind === 'SCALAR' || named.kind === 'ENUM') return '';
  const data = await client.query<{
    __type: { fields: { name: string; type: { kind: string; ofType: { kind: string } | null } }[] } | null;
  }>(PAYLOAD, { n: named.name });
  const leaves = (data.__type?.fields ?? [])
    .filter((f) =>
      ['SCALAR', 'ENUM'].includes(f.type.kind === 'NON_NULL' ? (f.type.ofType?.kind ?? '') : f.type.kind),
    )
    .map((f) => f.name);
  return `{ ${leaves.length ? leaves.join(' ') : '__typename'} }`;
}
const RECORD_EDITORS = /^(insertUpdate|delete)/;

export async function sessionMutations(client: AceClient): Promise<MutationField[]> {
  const data = await client.query<{ __schema: { mutationType: { fields: MutationField[] } | null } }>(
    INTROSPECT,
  );
  return (data.__schema.mutationType?.fields ?? []).filter(
    (f) => !RECORD_EDITORS.test(f.name) && f.args.some((a) => a.name === 'sessionUuid'),
  );
}

export async function listActions(client: AceClient, io: Io, json: boolean): Promise<ExitCode> {
  const fields = await sessionMutations(client);
  if (json)
    io.out.write(
      `${JSON.stringify(fields.map((f) => ({ name: f.name, args: f.args.map((a) => a.name), description: f.description })))}\n`,
    );
  else
    for (const f of fields)
      io.out.write(`${f.name}(${f.args.map((a) => a.name).join(', ')})  ${f.description ?? ''}\n`);
  return ExitCode.Ok;
}

/** Runs the mutation `name`, or the shortest session mutation starting with `verb` when `name` is a verb. */
export async function runAction(
  client: AceClient,
  io: Io,
  nameOrVerb: string,
  sessionUuid: string,
  extra: Record<string, string>,
  json: boolean,
): Promise<ExitCode> {
  const fields = await sessionMutations(client);
  const field =
    fields.find((f) => f.name === nameOrVerb) ??
    fields.filter((f) => f.name.startsWith(nameOrVerb)).sort((a, b) => a.name.length - b.name.length)[0];
  if (!field) {
    throw new CliError(
      `this server's API has no "${nameOrVerb}" mutation for sessions (see \`ace actions\`)`,
      ExitCode.Usage,
    );
  }
  const values: Record<string, unknown> = { sessionUuid, ...extra };
  const args = field.args.filter((a) => values[a.name] !== undefined);
  const missing = field.args.filter((a) => a.type.kind === 'NON_NULL' && values[a.name] === undefined);
  if (missing.length)
    throw new CliError(
      `${field.name} needs ${missing.map((a) => `--arg ${a.name}=...`).join(' ')}`,
      ExitCode.Usage,
    );
  const typeOf = (a: MutationField['args'][number]) =>
    a.type.kind === 'NON_NULL' ? `${a.type.ofType?.name}!` : String(a.type.name);
  const variableList = args.map((a) => `$${a.name}: ${typeOf(a)}`).join(', ');
  const argumentList = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const document = `mutation (${variableList}) { ${field.name}(${argumentList}) ${await selectionOf(client, field)} }`;
  const variables = Object.fromEntries(args.map((a) => [a.name, coerce(typeOf(a), values[a.name])]));
  const data = await client.query<Record<string, unknown>>(document, variables);
  io.out.write(json ? `${JSON.stringify(data[field.name])}\n` : `${field.name}: done\n`);
  return ExitCode.Ok;
}

function coerce(type: string, value: unknown): unknown {
  const base = type.replace('!', '');
  if (typeof value !== 'string') return value;
  if (base === 'Int' || base === 'Float') return Number(value);
  if (base === 'Boolean') return value === 'true';
  if (base === 'JSON') return JSON.parse(value);
  return value;
}
