import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import { startTestStack } from '../transport/support.js';

/**
 * `ace` as a user runs it (the package's bin, in its own process, output
 * piped) against the real local stack: every command, its exit code, its
 * --json output parsed, and `run --watch` as plain lines.
 */
const BIN = fileURLToPath(new URL('../../bin/ace.mjs', import.meta.url));
let stack: LocalStack;
let origin: string;

beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
  origin = stack.httpUrl.replace(/\/graphql$/, '');
});
afterAll(async () => stack?.close());

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ACE_URL: origin, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const ace = (args: string[], env?: Record<string, string>) => start(args, env).done;
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; type: string; data: Record<string, unknown> });

let sessionUuid = '';

describe('ace', () => {
  it('has --help on every command and exits 2 on a usage error', async () => {
    const help = await ace(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'ask',
      'run',
      'watch',
      'approve',
      'events',
      'export',
      'token',
      'cancel',
      'pause',
      'resume',
      'redrive',
    ])
      expect(help.stdout).toContain(command);
    const runHelp = await ace(['run', '--help']);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('--watch');
    expect((await ace(['frobnicate'])).code).toBe(2);
    expect((await ace(['approve', 'only-one-arg'])).code).toBe(2);
  });

  it('prints the local dev token', async () => {
    const token = await ace(['token']);
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('runs the demo task with --watch (plain lines when piped), approved with `ace approve`', async () => {
    const run = start(['run', DEMO.coordinationUuid, DEMO.taskUuid, '--watch']);
    // Approve as soon as the watcher says the draft waits (it prints the command to type).
    const waiting = await new Promise<string>((resolve) => {
      let seen = '';
      run.child.stdout?.on('data', (chunk) => {
        seen += String(chunk);
        const match = /ace approve (\d+) (\d+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
    });
    sessionUuid = waiting;
    const approved = await ace(['approve', sessionUuid, 'Announcement draft', '--input', 'Ship it.']);
    expect(approved.code).toBe(0);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`session ${sessionUuid} started`);
    expect(result.stdout).not.toContain('\x1b['); // no escape codes when piped
    const lines = result.stdout.trim().split('\n');
    expect(lines.every((l) => /^\+\s*\d+\.\d{2}s /.test(l))).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Market research: executing$/),
        expect.stringMatching(/Announcement draft: wait_for_user_input/),
        expect.stringMatching(/Launch report: completed/),
        expect.stringMatching(/session completed$/),
      ]),
    );
  });

  it('prints the event log as JSON lines, and refuses a second approval with exit 6', async () => {
    const events = await ace(['events', sessionUuid, '--json']);
    expect(events.code).toBe(0);
    const parsed = jsonLines(events.stdout);
    expect(parsed.map((e) => e.seq)).toEqual(Array.from({ length: parsed.length }, (_, i) => i + 1));
    expect(parsed.find((e) => e.type === 'user_input')?.data.user_input).toBe('Ship it.');
    expect(parsed.at(-1)).toMatchObject({ type: 'session_status', data: { status: 'completed' } });

    const after = await ace(['events', sessionUuid, '--json', '--after', String(parsed.length - 2)]);
    expect(jsonLines(after.stdout).map((e) => e.seq)).toEqual([parsed.length - 1, parsed.length]);

    const again = await ace(['approve', sessionUuid, 'Announcement draft']);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/is completed/);
  });

  it('watches a finished session from the start and exits 0; follows events to the end', async () => {
    const watched = await ace(['watch', sessionUuid, '--json']);
    expect(watched.code).toBe(0);
    expect(jsonLines(watched.stdout).at(-1)?.data.status).toBe('completed');
    const followed = await ace(['events', sessionUuid, '--follow', '--json']);
    expect(followed.code).toBe(0);
    expect(jsonLines(followed.stdout).length).toBeGreaterThan(10);
  });

  it('exports the whole session for replay', async () => {
    const exported = await ace(['export', sessionUuid]);
    expect(exported.code).toBe(0);
    const replay = JSON.parse(exported.stdout);
    expect(replay).toMatchObject({ format: 'ace-session-export', version: 1 });
    expect(replay.session).toMatchObject({
      sessionUuid,
      status: 'completed',
      coordinationUuid: DEMO.coordinationUuid,
    });
    expect(replay.session.sessionAgents).toHaveLength(4);
    expect(replay.session.sessionRuns.length).toBeGreaterThanOrEqual(4);
    expect(replay.events.at(-1).data.status).toBe('completed');
  });

  it('resumes and cancels through the schema’s mutations (issue 12); a finished session is not cancelled', async () => {
    const resumed = await ace(['resume', sessionUuid, '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ sessionUuid, status: 'completed', dispatched: 0 });
    const actions = await ace(['actions', '--json']);
    const names = (JSON.parse(actions.stdout) as { name: string }[]).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['executeForUserInput', 'resumeProcedureTaskSession']));
    expect(names).toEqual(
      expect.arrayContaining(['cancelProcedureTaskSession', 'pauseProcedureTaskSession']),
    );
    // The completed session: CONFLICT (exit 6), it stays completed.
    const refused = await ace(['cancel', sessionUuid]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/cannot cancel a session that is completed/);
    // A running one (the demo waits for its approval): cancelled, with the reason given.
    const started = await ace(['run', DEMO.coordinationUuid, DEMO.taskUuid]);
    expect(started.code).toBe(0);
    const running = started.stdout.trim();
    const cancelled = await ace(['cancel', running, '--arg', 'reason=changed plans', '--json']);
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ sessionUuid: running, status: 'cancelled' });
  });

  it('streams an answer from ask, and --json gives the result', async () => {
    const asked = await ace(['ask', DEMO.coordinationUuid, 'Who are our competitors?']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('## Competitors');
    const json = await ace(['ask', DEMO.coordinationUuid, 'How big is the market?', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'completed',
      answer: expect.stringMatching(/\S/),
    });
  });

  it('exits 3 on a bad token, 4 on an unknown session, 5 when nothing listens', async () => {
    expect((await ace(['events', sessionUuid], { ACE_TOKEN: 'not-a-token' })).code).toBe(3);
    expect((await ace(['events', '99999999999999999999'])).code).toBe(4);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const unreachable = await ace(['events', sessionUuid], {
      ACE_URL: `http://127.0.0.1:${port}`,
      ACE_TOKEN: 'x.y.z',
    });
    expect(unreachable.code).toBe(5);
  });

  it('reads the endpoint and token from a profile file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ace-profile-'));
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({ profiles: { local: { url: stack.httpUrl, token: await stack.token() } } }),
    );
    const viaProfile = await ace(['--profile', 'local', 'events', sessionUuid, '--json'], {
      ACE_URL: '',
      ACE_CONFIG: file,
    });
    expect(viaProfile.code).toBe(0);
    expect(jsonLines(viaProfile.stdout).length).toBeGreaterThan(10);
    expect((await ace(['--profile', 'nope', 'token'], { ACE_CONFIG: file })).code).toBe(2);
  });
});
