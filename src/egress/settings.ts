import type { Config } from '../config.js';
import type { EgressSettings } from './guard.js';

type EgressConfig = Pick<
  Config,
  | 'ACE_TOOL_ALLOWED_HOSTS'
  | 'ACE_TOOL_LAMBDA_PREFIX'
  | 'ACE_TOOL_TIMEOUT_MS'
  | 'ACE_TOOL_MAX_RESPONSE_BYTES'
  | 'ACE_TOOL_MAX_REDIRECTS'
  | 'ACE_TOOL_ALLOWED_HEADERS'
>;

export function egressSettingsFromConfig(config: EgressConfig): EgressSettings {
  return {
    allowedHosts: config.ACE_TOOL_ALLOWED_HOSTS,
    ...(config.ACE_TOOL_LAMBDA_PREFIX && { lambdaPrefix: config.ACE_TOOL_LAMBDA_PREFIX }),
    timeoutMs: config.ACE_TOOL_TIMEOUT_MS,
    maxResponseBytes: config.ACE_TOOL_MAX_RESPONSE_BYTES,
    maxRedirects: config.ACE_TOOL_MAX_REDIRECTS,
    allowedHeaders: config.ACE_TOOL_ALLOWED_HEADERS.split(/[\s,]+/).filter(Boolean),
  };
}
