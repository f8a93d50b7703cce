import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { startTestStack } from '../transport/support.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('README', () => {
  it('starts with the two commands', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    expect(readme.split('\n').slice(0, 2)).toEqual(['npm ci && npm start', 'npm test']);
  });

  it('copy-paste example runs as written against the local stack', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    const block = /<!-- example:start -->\s*```sh\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // The one liberty taken: the stack under test listens on a free port, not 4000.
    const base = stack.httpUrl.replace(/\/graphql$/, '');
    const script = block!.replaceAll('http://127.0.0.1:4000', base);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root.pathname,
      env: { ...process.env, ACE_URL: base },
      timeout: 60_000,
    });
    expect(stdout).toContain('"coordinationName":"Product launch"');
    expect(stdout).toMatch(/approving Announcement draft/);
    expect(stdout).toMatch(/order_status -> \{"order_id":"A-1001","status":"delivered damaged"/);
    expect(stdout).toMatch(/approving issue_refund \(decideToolCalls\)/);
    expect(stdout).toMatch(/issue_refund -> \{"refund_id":"RF-A-1001"/);
    expect(stdout.trim().split('\n').at(-1)).toBe('session completed');
  });
});
