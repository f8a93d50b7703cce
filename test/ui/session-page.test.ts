import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { startTestStack } from '../transport/support.js';
import { launchChromium, offlineContext } from './browser.js';

/**
 * The session page and GraphiQL in a real headless Chromium against the real
 * local stack, with the internet unreachable (every other host refused and
 * unresolvable): open /ui, start the demo task, watch its agents change state
 * live, approve the user-in-the-loop step by clicking, see it complete.
 * UI_SCREENSHOTS=<dir> also saves the screenshots docs/UI.md shows.
 */
let stack: LocalStack;
let browser: Browser;
let origin: string;
const screenshots = process.env.UI_SCREENSHOTS;

beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
  origin = stack.httpUrl.replace(/\/graphql$/, '');
  browser = await launchChromium();
  if (screenshots) await mkdir(screenshots, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function shoot(page: Page, name: string) {
  if (screenshots) await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

/** Every (agent, state) the DAG showed, in order, recorded in the page as the DOM changes. */
async function recordStates(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenStates: string[] }).seenStates = seen;
    const note = (el: Element) => {
      const entry = `${el.getAttribute('data-agent')}:${el.getAttribute('data-state')}`;
      if (seen.at(-1) !== entry && !seen.includes(entry)) seen.push(entry);
    };
    document.querySelectorAll('[data-state]').forEach(note);
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        if (m.target instanceof Element && m.target.hasAttribute('data-state')) note(m.target);
        m.addedNodes.forEach((n) => {
          if (n instanceof Element) n.querySelectorAll('[data-state]').forEach(note);
        });
      }
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
  return () => page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
}

describe('session page (/ui) in headless Chromium, offline', () => {
  it('starts the demo task, follows it live, approves by clicking, sees it complete', async () => {
    const { context, refused } = await offlineContext(browser, origin);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${origin}/ui`);
    const task = page.locator('[data-task="Launch plan"]');
    await task.waitFor();
    await expect(page.locator('[data-tenant]').textContent()).resolves.toContain('demo#local');
    await shoot(page, 'sessions');

    await task.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/#\/session\//);
    await page.locator('svg.dag [data-agent="Announcement draft"]').waitFor();
    const seenStates = await recordStates(page);

    // The draft waits for a person: the page says so, and offers executeForUserInput (found in the schema).
    const draft = page.locator('svg.dag [data-agent="Announcement draft"]');
    await expect
      .poll(() => draft.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('wait_for_user_input');
    await expect(page.locator('.attention').textContent()).resolves.toContain('Announcement draft');
    await draft.click();
    const form = page.locator('form[data-action="executeForUserInput"]');
    await form.waitFor();
    await shoot(page, 'approval');
    await form.locator('textarea[name="userInput"]').fill('Approved from the browser.');
    await form.getByRole('button', { name: 'executeForUserInput' }).click();

    const status = page.locator('[data-session-status]');
    await expect
      .poll(() => status.getAttribute('data-session-status'), { timeout: 30_000 })
      .toBe('completed');
    const report = page.locator('svg.dag [data-agent="Launch report"]');
    await expect.poll(() => report.getAttribute('data-state')).toBe('completed');

    // Seen live, in this order: the draft waiting, then the report (which waits on it) completing.
    const seen = await seenStates();
    expect(seen).toContain('Announcement draft:wait_for_user_input');
    expect(seen).toContain('Launch report:initial');
    expect(seen.indexOf('Launch report:completed')).toBeGreaterThan(seen.indexOf('Launch report:initial'));
    expect(seen).toContain('Announcement draft:completed');

    // The approval is stored, and the timeline lists the whole log.
    await report.click();
    await draft.click();
    await expect(page.locator('[data-agent-panel="Announcement draft"]').textContent()).resolves.toContain(
      'Approved from the browser.',
    );
    const seqs = await page
      .locator('.timeline li')
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-seq'))));
    expect(seqs.length).toBeGreaterThan(10);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    await shoot(page, 'session-completed');

    // Back to the list: the session is there, and the status filter finds it.
    await page.goto(`${origin}/ui/#/`);
    await page.locator('select[name="status"]').selectOption('completed');
    await expect.poll(() => page.locator('tr[data-session] .badge').allTextContents()).toContain('completed');

    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('renders GraphiQL from node_modules and runs { ping }', async () => {
    const { context, refused } = await offlineContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/graphql`);
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.waitFor({ timeout: 30_000 });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ ping }');
    await page.locator('.graphiql-execute-button').click();
    await expect
      .poll(() => page.locator('.graphiql-response').textContent(), { timeout: 30_000 })
      .toMatch(/"ping":\s*"pong/);
    await shoot(page, 'graphiql');
    expect(refused).toEqual([]);
    await context.close();
  });
});
