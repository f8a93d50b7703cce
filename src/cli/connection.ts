import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Where `ace` connects and with which token, first found wins: flags
 * (--url, --token, --ws-url), the environment (ACE_URL, ACE_TOKEN,
 * ACE_WS_URL), the profile (--profile / ACE_PROFILE, "default") in the
 * profile file (ACE_CONFIG, else ~/.config/ace/config.json), then the local
 * stack's default URL. With no token at all and a loopback URL, the local
 * stack's dev token is fetched (what `ace token` prints).
 */
const ProfileSchema = z.object({
  url: z.string().url().optional(),
  wsUrl: z.string().url().optional(),
  token: z.string().min(1).optional(),
});
const ProfileFileSchema = z.object({ profiles: z.record(z.string(), ProfileSchema) });

export interface ConnectionFlags {
  readonly url?: string;
  readonly wsUrl?: string;
  readonly token?: string;
  readonly profile?: string;
}

export interface Connection {
  /** The GraphQL HTTP endpoint (…/graphql). */
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  /** The server's origin (health, dev token). */
  readonly origin: string;
  readonly token: string | undefined;
}

export const DEFAULT_URL = 'http://127.0.0.1:4000';

export async function readProfile(
  env: Record<string, string | undefined>,
  name: string,
): Promise<z.infer<typeof ProfileSchema>> {
  const path = env.ACE_CONFIG ?? join(homedir(), '.config', 'ace', 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (env.ACE_CONFIG || name !== 'default')
      throw new CliError(`no profile file at ${path}`, ExitCode.Usage);
    return {};
  }
  const parsed = ProfileFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(`${path}: ${parsed.error.issues[0]?.message}`, ExitCode.Usage);
  const profile = parsed.data.profiles[name];
  if (!profile && name !== 'default') throw new CliError(`no profile "${name}" in ${path}`, ExitCode.Usage);
  return profile ?? {};
}

export async function resolveConnection(
  flags: ConnectionFlags,
  env: Record<string, string | undefined> = process.env,
): Promise<Connection> {
  // An empty variable (ACE_URL=) counts as unset.
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== '');
  const profile = await readProfile(env, pick(flags.profile, env.ACE_PROFILE) ?? 'default');
  const raw = pick(flags.url, env.ACE_URL, profile.url) ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${raw}`, ExitCode.Usage);
  }
  const graphqlUrl = url.pathname.endsWith('/graphql')
    ? url.href
    : `${url.origin}${url.pathname.replace(/\/$/, '')}/graphql`;
  const wsUrl = pick(flags.wsUrl, env.ACE_WS_URL, profile.wsUrl) ?? graphqlUrl.replace(/^http/, 'ws');
  const token = pick(flags.token, env.ACE_TOKEN, profile.token);
  return { graphqlUrl, wsUrl, origin: url.origin, token };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The local stack's dev token (GET /dev-token); only a loopback server is asked. */
export async function fetchDevToken(connection: Connection): Promise<string> {
  if (!LOOPBACK.has(new URL(connection.origin).hostname))
    throw new CliError(
      'no token: set ACE_TOKEN, --token or a profile (dev tokens are local only)',
      ExitCode.Auth,
    );
  let response: Response;
  try {
    response = await fetch(`${connection.origin}/dev-token`);
  } catch (error) {
    throw new CliError(
      `cannot reach ${connection.origin}: ${(error as Error).message}`,
      ExitCode.Unreachable,
    );
  }
  if (!response.ok)
    throw new CliError(`${connection.origin} offers no dev token (${response.status})`, ExitCode.Auth);
  return (await response.text()).trim();
}

export async function withToken(connection: Connection): Promise<Connection & { token: string }> {
  return { ...connection, token: connection.token ?? (await fetchDevToken(connection)) };
}
