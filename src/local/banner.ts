import { DEMO } from './seed.js';
import type { LocalStack } from './stack.js';

/** What `npm start` prints: where everything is, a dev token, and an example to paste. */
export async function printBanner(stack: LocalStack, startupMs: number): Promise<void> {
  const token = await stack.token();
  const lines = [
    '',
    `AI Coordination Engine: local stack up in ${startupMs} ms`,
    '',
    `  GraphiQL       ${stack.httpUrl}   (open in a browser; the dev token is preset)`,
    `  GraphQL HTTP   POST ${stack.httpUrl}   (Authorization: Bearer <token>)`,
    `  WebSocket      ${stack.wsUrl}?token=<token>   (graphql-transport-ws)`,
    `  @connections   ${stack.callbackUrl}/@connections/{id}`,
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
