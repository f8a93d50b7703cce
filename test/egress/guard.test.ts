import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard, EgressRefusedError, readTextCapped } from '../../src/egress/guard.js';
import { startServer, streamHuge } from './support.js';

const FIFTY_MB = 50 * 1024 * 1024;

/** An injected resolver: names the test chooses, no hosts file, no network. */
function fakeDns(table: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EgressRefusedError);
  return (error as EgressRefusedError).reason;
}

describe('egress guard', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let huge: Promise<number> | undefined;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/huge') {
        huge = streamHuge(res, FIFTY_MB);
        return;
      }
      if (req.url === '/to-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      if (req.url === '/to-named') {
        res.writeHead(307, { location: `http://named.test:${server.port}/echo` }).end();
        return;
      }
      if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
        return;
      }
      if (req.url === '/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ method: req.method, host: req.headers.host, auth: req.headers.authorization }),
      );
    });
  });
  afterAll(() => server.close());

  describe.each([
    [
      '127.0.0.1 (loopback, the Lambda runtime API)',
      'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      'loopback',
    ],
    ['10.0.0.1 (private network)', 'http://10.0.0.1/', 'private-network'],
    ['169.254.169.254 (instance metadata)', 'http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['[::1]', 'http://[::1]:8080/', 'loopback'],
    ['[::ffff:127.0.0.1] (IPv4-mapped)', 'http://[::ffff:127.0.0.1]/', 'loopback'],
    ['[fd00:ec2::254] (unique-local metadata)', 'http://[fd00:ec2::254]/', 'unique-local'],
    ['0x7f.1 (another spelling of loopback)', 'http://0x7f.1/', 'loopback'],
  ])('an address allowed by a wildcard entry is still refused: %s', (_label, url, kind) => {
    it('is refused with the kind of address, without connecting', async () => {
      const guard = createEgressGuard({ allowedHosts: 'http://*:*' });
      const before = server.seen.length;
      expect(await refusal(guard.fetch(url))).toContain(kind);
      expect(guard.checkUrl(url)).toContain(kind);
      expect(server.seen.length).toBe(before);
    });
  });

  it('a host not on the allow-list is refused; https is required unless listed with http://', async () => {
    const guard = createEgressGuard({ allowedHosts: 'api.example.com, *.partner.test:8443' });
    expect(await refusal(guard.fetch('https://evil.example.net/'))).toContain(
      "https://evil.example.net is not on the operator's allow-list",
    );
    expect(guard.checkUrl('http://api.example.com/')).toContain('listed for https only');
    expect(guard.checkUrl('https://api.example.com:8080/')).toContain('not on the operator');
    expect(guard.checkUrl('https://a.partner.test:8443/x')).toBeNull();
    expect(guard.checkUrl('https://partner.test:8443/x')).toContain('not on the operator');
    expect(guard.checkUrl('file:///etc/passwd')).toContain('file: URLs are not allowed');
    expect(guard.checkUrl('https://user:pw@api.example.com/')).toContain('credentials in the URL');
    expect(createEgressGuard().checkUrl('https://api.example.com/')).toContain('not on the operator');
  });

  it('a listed name that resolves to a private address is refused (also when one of several is)', async () => {
    const dns = fakeDns({ 'localtest.test': ['127.0.0.1'], 'mixed.test': ['93.184.215.14', '10.0.0.1'] });
    const guard = createEgressGuard({
      allowedHosts: 'http://localtest.test:*, mixed.test',
      lookup: dns.lookup,
    });
    expect(await refusal(guard.fetch(`http://localtest.test:${server.port}/`))).toContain(
      'localtest.test resolves to 127.0.0.1 is a loopback address',
    );
    expect(await refusal(guard.fetch('https://mixed.test/'))).toContain(
      '10.0.0.1 is a private-network address',
    );
    expect(server.seen.some((r) => r.headers.host?.startsWith('localtest.test'))).toBe(false);
  });

  it('resolves once and connects to the checked address (a second answer is never used)', async () => {
    let answers = 0;
    const lookup = async (): Promise<LookupAddress[]> => {
      answers += 1;
      // First answer: the (listed) test server; any later answer would rebind to metadata.
      return [{ address: answers === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const guard = createEgressGuard({
      allowedHosts: [`http://named.test:${server.port}`, `http://127.0.0.1:${server.port}`],
      lookup,
    });
    const response = await guard.fetch(`http://named.test:${server.port}/echo`);
    expect(await response.json()).toEqual({ method: 'GET', host: `named.test:${server.port}` });
    expect(answers).toBe(1);
  });

  it('a redirect to a private address is refused; a redirect to an allowed host is followed, re-checked', async () => {
    const dns = fakeDns({ 'named.test': ['127.0.0.1'] });
    const guard = createEgressGuard({
      allowedHosts: [`http://127.0.0.1:${server.port}`, `http://named.test:${server.port}`],
      lookup: dns.lookup,
    });
    expect(await refusal(guard.fetch(`${server.origin}/to-metadata`))).toContain(
      "http://169.254.169.254 is not on the operator's allow-list",
    );
    // Even where a wildcard admits every host, the hop's address is checked again.
    const open = createEgressGuard({ allowedHosts: ['http://*:*', `http://127.0.0.1:${server.port}`] });
    expect(await refusal(open.fetch(`${server.origin}/to-metadata`))).toContain(
      '169.254.169.254 is a link-local',
    );
    const followed = await guard.fetch(`${server.origin}/to-named`, {
      method: 'POST',
      headers: { authorization: 'Bearer tenant-secret', 'content-type': 'application/json' },
      body: '{}',
    });
    // 307 keeps the method; the tenant's credentials do not travel to another origin.
    expect(await followed.json()).toEqual({ method: 'POST', host: `named.test:${server.port}` });
    expect(dns.calls).toEqual(['named.test']);
    expect(await refusal(guard.fetch(`${server.origin}/loop`))).toBe('more than 3 redirects');
    const manual = await guard.fetch(`${server.origin}/to-metadata`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
  });

  it('a 50 MB answer is cut at the cap: the server could only push a bounded amount before the connection closed', async () => {
    const guard = createEgressGuard({
      allowedHosts: `http://127.0.0.1:${server.port}`,
      maxResponseBytes: 65_536,
    });
    const response = await guard.fetch(`${server.origin}/huge`);
    const { text, truncated } = await readTextCapped(response, 1_000_000);
    expect(truncated).toBe(true);
    expect(text.length).toBe(65_536);
    const written = await huge;
    // Socket buffers hold a few MB at most; buffering the answer would have pulled all 50 MB.
    expect(written).toBeLessThan(FIFTY_MB / 4);
  });

  it('readTextCapped keeps at most its own cap when that is below the guard cap', async () => {
    const guard = createEgressGuard({ allowedHosts: `http://127.0.0.1:${server.port}` });
    const response = await guard.fetch(`${server.origin}/huge`);
    const { text, truncated } = await readTextCapped(response, 1000);
    expect({ length: text.length, truncated }).toEqual({ length: 1000, truncated: true });
    expect(await huge).toBeLessThan(FIFTY_MB / 4);
  });

  it('a server that never answers is cut by the timeout', async () => {
    const guard = createEgressGuard({ allowedHosts: `http://127.0.0.1:${server.port}`, timeoutMs: 200 });
    expect(await refusal(guard.fetch(`${server.origin}/slow`))).toBe(
      `${server.origin} timed out after 200 ms`,
    );
  });

  it('tenant headers outside the allow-list are refused; operator headers are exempt and win', async () => {
    const guard = createEgressGuard({ allowedHosts: `http://127.0.0.1:${server.port}` });
    expect(
      await refusal(
        guard.fetch(server.origin, { headers: { 'x-forwarded-for': '10.0.0.1', host: 'metadata' } }),
      ),
    ).toBe('header(s) not allowed: host, x-forwarded-for');
    const response = await guard.fetch(`${server.origin}/echo`, {
      headers: { authorization: 'Bearer from-tenant' },
      operatorHeaders: { authorization: 'Bearer from-operator' },
    });
    expect(((await response.json()) as { auth: string }).auth).toBe('Bearer from-operator');
  });

  it('Lambda names: only under ACE_TOOL_LAMBDA_PREFIX, as a name, name:qualifier or ARN', () => {
    const guard = createEgressGuard({ lambdaPrefix: 'ace-prod-tool-' });
    expect(guard.checkLambdaFunctionName('ace-prod-tool-search')).toBeNull();
    expect(guard.checkLambdaFunctionName('ace-prod-tool-search:live')).toBeNull();
    expect(
      guard.checkLambdaFunctionName('arn:aws:lambda:us-east-1:123456789012:function:ace-prod-tool-search:3'),
    ).toBeNull();
    expect(guard.checkLambdaFunctionName('ace-prod-engine-ws')).toContain('outside the allowed prefix');
    expect(
      guard.checkLambdaFunctionName('arn:aws:lambda:us-east-1:123456789012:function:other-fn'),
    ).toContain('outside the allowed prefix');
    expect(guard.checkLambdaFunctionName('a:b:c')).toContain('is not a Lambda function name');
    expect(createEgressGuard().checkLambdaFunctionName('ace-prod-tool-search')).toContain(
      'has not set ACE_TOOL_LAMBDA_PREFIX',
    );
  });
});
