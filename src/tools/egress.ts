/**
 * What the tools need of the egress guard (src/egress/guard.ts, issue 9):
 * every http and MCP call goes through its fetch; specs are checked with it
 * when a coordination is written. Typed here as the contract's subset so the
 * tool executors depend on the interface, never on how the guard is built.
 */
export interface ToolEgressInit extends RequestInit {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Headers the operator configured (headers profiles): exempt from the tenant header allow-list. */
  operatorHeaders?: Record<string, string>;
}

export interface ToolEgress {
  fetch(url: string | URL, init?: ToolEgressInit): Promise<Response>;
  checkUrl(url: string): string | null;
  checkLambdaFunctionName(name: string): string | null;
}

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
