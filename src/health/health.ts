import * as z from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import type { ComponentCheck } from './checks.js';

/**
 * GET /health (liveness: the process answers) and GET /health/detailed
 * (each component, with its response time): `healthy` when every component
 * is up, `degraded` when only non-critical ones (runtime endpoints) are down,
 * `unhealthy` when DynamoDB or the work queue is. Served by the HTTP function
 * and the local stack.
 */
export const ComponentStatusSchema = z.object({
  name: z.string(),
  kind: z.string(),
  critical: z.boolean(),
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  details: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});
export const DetailedHealthSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  version: z.string(),
  uptimeSeconds: z.number(),
  checkedAt: z.string(),
  components: z.array(ComponentStatusSchema),
});
export type DetailedHealth = z.infer<typeof DetailedHealthSchema>;

export const VERSION: string = packageJson.version;
const processStarted = Date.now();

export function liveness(now = Date.now()) {
  return {
    status: 'ok' as const,
    version: VERSION,
    uptimeSeconds: Math.round((now - processStarted) / 1000),
  };
}

async function runCheck(
  check: ComponentCheck,
  timeoutMs: number,
): Promise<z.infer<typeof ComponentStatusSchema>> {
  const started = performance.now();
  const base = { name: check.name, kind: check.kind, critical: check.critical };
  try {
    const details = await check.run(AbortSignal.timeout(timeoutMs));
    return { ...base, status: 'up', latencyMs: elapsed(started), ...(details && { details }) };
  } catch (error) {
    // The error's class and message, not its stack: the endpoint is unauthenticated.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, status: 'down', latencyMs: elapsed(started), error: message.slice(0, 300) };
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

export async function detailedHealth(
  checks: readonly ComponentCheck[],
  timeoutMs = 2000,
): Promise<DetailedHealth> {
  const components = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const down = components.filter((c) => c.status === 'down');
  const status = down.some((c) => c.critical) ? 'unhealthy' : down.length > 0 ? 'degraded' : 'healthy';
  const { version, uptimeSeconds } = liveness();
  return { status, version, uptimeSeconds, checkedAt: new Date().toISOString(), components };
}

/** The HTTP answer of both endpoints; null when the path is not a health path. */
export async function healthResponse(
  path: string,
  checks: () => readonly ComponentCheck[],
  extra: Record<string, unknown> = {},
): Promise<Response | null> {
  const headers = { 'cache-control': 'no-store' };
  if (path === '/health') return Response.json({ ...extra, ...liveness() }, { headers });
  if (path !== '/health/detailed') return null;
  const report = await detailedHealth(checks());
  return Response.json(report, { status: report.status === 'unhealthy' ? 503 : 200, headers });
}
