import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { memoize } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * What the Lambda bundles use in place of `@aws-sdk/credential-provider-node`
 * (an esbuild alias, infra/constructs/handler-function.ts): Lambda gives a
 * function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), or, where a container endpoint is
 * named (AWS_CONTAINER_CREDENTIALS_*), over HTTP. The SDK's default chain
 * also carries SSO, INI files, credential processes and web identity, which
 * pull in the STS/SSO clients (about 100 KB per bundle) and never run there.
 * Same exports as the package, so every client's runtime config is unchanged.
 */
export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity) =>
  credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;

export const defaultProvider = (init: Record<string, unknown> = {}): AwsCredentialIdentityProvider => {
  const container =
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const provider = container && !process.env.AWS_ACCESS_KEY_ID ? fromHttp(init) : fromEnv(init);
  return memoize(provider, credentialsTreatedAsExpired, credentialsWillNeedRefresh);
};
