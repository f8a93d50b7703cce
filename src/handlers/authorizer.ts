import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { environmentWithSecrets } from '../secrets/secret-environment.js';
import { createTokenVerifier, type TokenVerifier, tokenFromRequest } from '../transport/auth.js';

/**
 * API Gateway REQUEST authorizer for the WebSocket `$connect` route: the same
 * JWT verification as the $connect handler. On success the verified tenant
 * and user travel in the authorizer context (the $connect handler trusts it);
 * on failure API Gateway answers 401 and the handler never runs.
 */
export function createAuthorizer(verifier: TokenVerifier) {
  return async function authorize(
    event: APIGatewayRequestAuthorizerEvent,
  ): Promise<APIGatewayAuthorizerResult> {
    const token = tokenFromRequest({
      headers: event.headers ?? {},
      queryStringParameters: event.queryStringParameters ?? {},
    });
    let caller: Awaited<ReturnType<TokenVerifier['verify']>>;
    try {
      caller = await verifier.verify(token);
    } catch {
      // The exact string API Gateway maps to a 401 response.
      throw new Error('Unauthorized');
    }
    return {
      principalId: caller.userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: {
        endpoint_id: caller.tenant.endpointId,
        part_id: caller.tenant.partId,
        user_id: caller.userId,
        // Context values are strings: the roles travel as JSON (absent: the default roles apply).
        ...(caller.roles && { roles: JSON.stringify(caller.roles) }),
      },
    };
  };
}

// JWT_SECRET may come from Secrets Manager (ACE_SECRET_IDS): read once, while the container initialises.
const env = await environmentWithSecrets();
let verifier: TokenVerifier | undefined;

export const handler = (event: APIGatewayRequestAuthorizerEvent) => {
  if (!verifier) {
    const config = loadConfig(env);
    verifier = createTokenVerifier(config, createLogger(config));
  }
  return createAuthorizer(verifier)(event);
};
