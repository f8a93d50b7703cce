import { DEMO } from './seed.js';
import type { LocalStack } from './stack.js';

/** What `npm start` prints: where everything is, a dev token, and an example to paste. */
export async function printBanner(stack: LocalStack, startupMs: number): Promise<void> {
  const token = await stack.token();
  const lines = [
    '',
    `AI Coordination Engine: local stack up in ${startupMs} ms`,
    '',
    `  Session page   ${stack.uiUrl}   (sessions, live DAG, approvals; the dev token is preset)`,
    `  GraphiQL       ${stack.httpUrl}   (open in a browser; the dev token is preset)`,
    `  GraphQL HTTP   POST ${stack.httpUrl}   (Authorization: Bearer <token>)`,
    `  WebSocket      ${stack.wsUrl}?token=<token>   (graphql-transport-ws)`,
    `  @connections   ${stack.callbackUrl}/@connections/{id}`,
    `  Health         ${stack.httpUrl.replace(/\/graphql$/, '')}/health   (and /health/detailed)`,
    `  CLI            npx ace --help   (ACE_URL=${stack.httpUrl.replace(/\/graphql$/, '')})`,
    '',
    `  Dev token (tenant ${stack.demoTenant.partitionKey}, 12 h):`,
    `  ${token}`,
    '',
    '  Try it (another terminal):',
    `  TOKEN=${token}`,
    `  curl -s ${stack.httpUrl} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '{"query":"{ coordination(coordinationUuid: \\"${DEMO.coordinationUuid}\\") { coordinationName } }"}'`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
