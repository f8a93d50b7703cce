import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/**
 * Headless Chromium from the Debian `chromium` package (.ci/run installs it
 * where it is missing; nothing here downloads a browser), with everything
 * that would reach the internet switched off and every host but 127.0.0.1
 * unresolvable: the page must render from this server alone.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A context that refuses, and records, every request to anything but `origin`. */
export async function offlineContext(browser: Browser, origin: string) {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:'))
      return route.continue();
    refused.push(url);
    return route.abort('internetdisconnected');
  });
  return { context, refused };
}
