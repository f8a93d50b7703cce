import type { Session } from '../../domain/session/model.js';
import { ConflictError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import { type DoubleTexting, DoubleTextingSchema, type HubInternals } from './types.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function policyOf(hub: HubInternals, session: Session): DoubleTexting {
  const parsed = DoubleTextingSchema.safeParse(
    (session.execution_policy as { double_texting?: unknown } | null | undefined)?.double_texting,
  );
  return parsed.success ? parsed.data : hub.settings.doubleTexting;
}

/**
 * Double texting: a second ask on a session whose previous ask still runs.
 * Resolves once `runUuid` holds the session (see session-lock.ts), per the
 * session's policy: reject (CONFLICT), enqueue (wait, then run), interrupt
 * (take the session, cancel the running ask and record it cancelled).
 */
export async function takeSession(
  hub: HubInternals,
  tenant: Tenant,
  session: Session,
  runUuid: string,
  leaseMs: number,
) {
  const { locks, repos, record, inFlight, settings } = hub;
  const sessionUuid = session.session_uuid;
  if (await locks.tryAcquire(tenant, sessionUuid, runUuid, leaseMs)) return;
  const policy = policyOf(hub, session);
  if (policy === 'reject') {
    const holder = await locks.holder(tenant, sessionUuid);
    // The running ask may have finished between the two reads: then this one simply goes ahead.
    if (!holder && (await locks.tryAcquire(tenant, sessionUuid, runUuid, leaseMs))) return;
    throw new ConflictError(
      'a previous ask on this session is still running (double texting policy: reject)',
      {
        sessionUuid,
        runningRunUuid: holder?.runUuid,
      },
    );
  }
  if (policy === 'interrupt') {
    const previous = await locks.takeOver(tenant, sessionUuid, runUuid, leaseMs);
    if (previous) {
      inFlight.get(previous.runUuid)?.abort(new Error(`interrupted by run ${runUuid}`));
      await repos.sessionRuns
        .update(tenant, sessionUuid, previous.runUuid, { status: 'cancelled', updated_by: 'operation-hub' })
        .catch(() => undefined);
      await record(tenant, sessionUuid, sessionEvent.runInterrupted(previous.runUuid, runUuid));
    }
    return;
  }
  await record(tenant, sessionUuid, sessionEvent.runQueued(runUuid));
  const deadline = Date.now() + settings.enqueueWaitMs;
  while (!(await locks.tryAcquire(tenant, sessionUuid, runUuid, leaseMs))) {
    if (Date.now() >= deadline) {
      throw new ConflictError(
        'gave up waiting for the previous ask on this session (double texting policy: enqueue)',
        {
          sessionUuid,
        },
      );
    }
    await sleep(settings.enqueuePollMs);
  }
}
