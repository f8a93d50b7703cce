import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * The session page's built files (ui/build.ts), served under /ui/ from a
 * directory: dist/ui locally, the HTTP function's bundle on AWS. Only the
 * names the build writes are served (no path from the request reaches the
 * file system), each read once and kept.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const FILES = new Set(['index.html', 'app.js', 'app.css']);

export interface UiPageConfig {
  readonly graphqlUrl: string;
  /** Where the WebSocket is not this origin's /graphql (API Gateway's WebSocket API). */
  readonly wsUrl?: string;
  readonly devTokenUrl?: string;
}

export function createUiAssets(dir: string) {
  const cache = new Map<string, Promise<Buffer>>();
  const read = (name: string) => {
    let file = cache.get(name);
    if (!file) {
      file = readFile(join(dir, name));
      file.catch(() => cache.delete(name));
      cache.set(name, file);
    }
    return file;
  };
  /** The answer for a /ui path, or null when the path is not the page's. */
  return async function serve(pathname: string, config: UiPageConfig): Promise<Response | null> {
    if (pathname === '/ui') return new Response(null, { status: 308, headers: { location: '/ui/' } });
    if (!pathname.startsWith('/ui/')) return null;
    const name = pathname.slice('/ui/'.length) || 'index.html';
    if (name === 'config.json') return Response.json(config, { headers: { 'cache-control': 'no-store' } });
    if (!FILES.has(name)) return new Response('Not Found', { status: 404 });
    try {
      const body = await read(name);
      return new Response(new Uint8Array(body), {
        headers: {
          'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
          'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
          // Everything from this origin; connections to it (GraphQL, WebSocket) and nowhere else.
          'content-security-policy':
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('The session page is not built: run `npx tsx ui/build.ts`.', { status: 503 });
    }
  };
}
