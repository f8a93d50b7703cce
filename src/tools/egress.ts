import type { EgressGuard } from '../egress/guard.js';

/** Every http and MCP tool call goes through the egress guard's fetch; specs are checked with it when written. */
export type ToolEgress = EgressGuard;

/** Operator-configured secret headers by profile name (ACE_TOOL_HEADERS_<PROFILE>, a JSON object). */
export type HeadersProfiles = (profile: string) => Record<string, string> | undefined;

export function headersProfilesFromEnv(
  env: Record<string, string | undefined> = process.env,
): HeadersProfiles {
  return (profile) => {
    const raw = env[`ACE_TOOL_HEADERS_${profile.toUpperCase()}`];
    if (!raw) return undefined;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  };
}
