import type { SessionRepository } from '../domain/session/repository.js';
import { NotFoundError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import type { EventLogReader } from './event-log.js';

/**
 * Refuses a subscription to a session the caller's tenant does not own, with
 * the same NOT_FOUND a missing session gets (existence is not revealed).
 * The tenant GSI is eventually consistent on AWS, so a session created a
 * moment ago is also recognised by the owner of its event log.
 */
export async function assertSessionOfTenant(
  deps: { sessions: Pick<SessionRepository, 'findKey'>; eventLog: Pick<EventLogReader, 'ownerOf'> },
  tenant: Tenant,
  sessionUuid: string,
): Promise<void> {
  if (await deps.sessions.findKey(tenant, sessionUuid)) return;
  if ((await deps.eventLog.ownerOf(sessionUuid)) === tenant.partitionKey) return;
  throw new NotFoundError('Session', { session_uuid: sessionUuid });
}
