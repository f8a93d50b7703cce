import type { RuntimeKind } from './settings.js';

/**
 * Where a runtime's secrets and endpoints come from: the environment (set by
 * the stack, e.g. from Secrets Manager) or any other async source. Never
 * GraphQL arguments, never the stored agent entry.
 */
export interface RuntimeCredentials {
  readonly apiKey?: string;
  /** OpenAI-compatible base URL, core engine GraphQL URL, or a Bedrock endpoint override. */
  readonly baseUrl?: string;
  readonly region?: string;
}

export type CredentialSource = (kind: RuntimeKind, profile: string) => Promise<RuntimeCredentials>;

const PREFIX: Record<RuntimeKind, string> = {
  scripted: 'ACE_SCRIPTED',
  openai: 'ACE_OPENAI',
  bedrock: 'ACE_BEDROCK',
  core_engine: 'ACE_CORE_ENGINE',
};

/**
 * Reads `ACE_<RUNTIME>[_<PROFILE>]_{API_KEY,BASE_URL,REGION}`; the `default`
 * profile has no profile segment (`ACE_OPENAI_API_KEY`). Example: an agent
 * with `credentials: "azure"` on the openai runtime reads
 * `ACE_OPENAI_AZURE_API_KEY` and `ACE_OPENAI_AZURE_BASE_URL`.
 */
export function envCredentials(env: Record<string, string | undefined> = process.env): CredentialSource {
  return async (kind, profile) => {
    const base = profile === 'default' ? PREFIX[kind] : `${PREFIX[kind]}_${profile.toUpperCase()}`;
    const read = (suffix: string) => {
      const value = env[`${base}_${suffix}`];
      return value === '' ? undefined : value;
    };
    const apiKey = read('API_KEY');
    const baseUrl = read('BASE_URL');
    const region = read('REGION');
    return { ...(apiKey && { apiKey }), ...(baseUrl && { baseUrl }), ...(region && { region }) };
  };
}
