import type { ModificationRequest, PlanModification } from '../../domain/plan-modification/model.js';
import type { SessionKey } from '../../domain/session/keys.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import { newId } from '../../ids.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { applyChange } from './plan-apply.js';
import { checkModifications, type PlannedChange } from './plan-check.js';
import { checkSessionCompletion } from './progress.js';
import { findSessionKey } from './resume.js';

export interface ModifyRequest {
  readonly modifications: readonly ModificationRequest[];
  readonly reason?: string | null;
  readonly requireApproval?: boolean;
  readonly by: string;
}

const MODIFIABLE = ['in_progress', 'paused'];

async function loadPlan(ctx: HubContext, tenant: Tenant, sessionUuid: string) {
  const key = await findSessionKey(ctx, tenant, sessionUuid);
  const [session, agents, coordination] = await Promise.all([
    ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid),
    ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid),
    ctx.repos.coordinations.get(tenant, key.coordination_uuid),
  ]);
  if (!session) throw new NotFoundError('Session', { session_uuid: sessionUuid });
  if (!MODIFIABLE.includes(session.status)) {
    throw new ConflictError(`cannot change the plan of a session that is ${session.status}`, {
      session_uuid: sessionUuid,
      status: session.status,
    });
  }
  return { key, agents, coordination };
}

/** Apply order within a request: new agents first, then edges, fields, and removals last. */
const ORDER: Record<ModificationRequest['operation'], number> = {
  add_agent: 0,
  change_predecessors: 1,
  modify_agent: 2,
  reassign_agent: 2,
  remove_agent: 3,
};

/**
 * modifyProcedureTaskSession: validates the modified graph whole (nothing is
 * written when it is invalid), stores one record per modification, and
 * applies them, unless approval is required (then decidePlanModification
 * does). Every step is an event.
 */
export async function modifySession(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  request: ModifyRequest,
): Promise<PlanModification[]> {
  const { key, agents, coordination } = await loadPlan(ctx, tenant, sessionUuid);
  const changes = checkModifications(agents, coordination.agents, request.modifications, newId);
  const requestUuid = newId();
  const records = changes.map((change, position) => ({
    change,
    record: {
      session_uuid: sessionUuid,
      modification_uuid: newId(),
      coordination_uuid: key.coordination_uuid,
      request_uuid: requestUuid,
      position,
      operation: change.request.operation,
      session_agent_uuid: change.request.sessionAgentUuid,
      request: change.request,
      old_value: change.old_value,
      new_value: change.new_value,
      reason: request.reason ?? '',
      requested_by: request.by,
      status: 'requested' as const,
    },
  }));
  for (const { record } of records) await ctx.repos.planModifications.insertIfAbsent(tenant, record);
  await ctx.record(
    tenant,
    sessionUuid,
    records.map(({ record }) => eventOf(record, 'requested', request.by, request.reason ?? undefined)),
  );
  if (!request.requireApproval) {
    const ordered = [...records].sort((a, b) => ORDER[a.record.operation] - ORDER[b.record.operation]);
    for (const { change, record } of ordered) {
      await ctx.repos.planModifications.setStatus(
        tenant,
        sessionUuid,
        record.modification_uuid,
        ['requested'],
        'approved',
      );
      await applyRecorded(ctx, tenant, key, change, record.modification_uuid, request.by);
    }
    await checkSessionCompletion(ctx, tenant, key);
  }
  return ctx.repos.planModifications
    .listOfSession(tenant, sessionUuid)
    .then((all) => all.filter((m) => m.request_uuid === requestUuid));
}

/** Approves (validated again against the plan as it is now, then applied) or rejects a requested modification. */
export async function decideModification(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  decision: { modificationUuid: string; approve: boolean; reason?: string | null; by: string },
): Promise<PlanModification> {
  const record = await ctx.repos.planModifications.find(tenant, sessionUuid, decision.modificationUuid);
  if (!record) throw new NotFoundError('PlanModification', { modification_uuid: decision.modificationUuid });
  if (record.status !== 'requested') {
    throw new ConflictError(`modification is ${record.status}, not requested`, {
      modification_uuid: record.modification_uuid,
      status: record.status,
    });
  }
  const reason = decision.reason ?? '';
  if (!decision.approve) {
    await setDecided(ctx, tenant, record, 'rejected', decision.by, reason);
    await ctx.record(tenant, sessionUuid, [eventOf(record, 'rejected', decision.by, reason)]);
  } else {
    const { key, agents, coordination } = await loadPlan(ctx, tenant, sessionUuid);
    const [change] = checkModifications(
      agents,
      coordination.agents,
      [record.request as ModificationRequest],
      () => record.session_agent_uuid,
    ) as [PlannedChange];
    await setDecided(ctx, tenant, record, 'approved', decision.by, reason);
    await ctx.record(tenant, sessionUuid, [eventOf(record, 'approved', decision.by, reason)]);
    await applyRecorded(ctx, tenant, key, change, record.modification_uuid, decision.by);
    await checkSessionCompletion(ctx, tenant, key);
  }
  const after = await ctx.repos.planModifications.find(tenant, sessionUuid, decision.modificationUuid);
  return after ?? record;
}

async function setDecided(
  ctx: HubContext,
  tenant: Tenant,
  record: PlanModification,
  to: 'approved' | 'rejected',
  by: string,
  reason: string,
) {
  const decided = await ctx.repos.planModifications.setStatus(
    tenant,
    record.session_uuid,
    record.modification_uuid,
    ['requested'],
    to,
    { by, reason },
  );
  if (!decided) {
    throw new ConflictError('modification was decided by another request', {
      modification_uuid: record.modification_uuid,
    });
  }
}

async function applyRecorded(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
  change: PlannedChange,
  modificationUuid: string,
  by: string,
) {
  await applyChange(ctx, tenant, key, change);
  await ctx.repos.planModifications.setStatus(
    tenant,
    key.session_uuid,
    modificationUuid,
    ['approved'],
    'applied',
  );
  await ctx.record(tenant, key.session_uuid, [
    sessionEvent.planModification({
      modification_uuid: modificationUuid,
      operation: change.request.operation,
      status: 'applied',
      session_agent_uuid: change.request.sessionAgentUuid,
      changed_by: by,
    }),
  ]);
}

function eventOf(
  record: Pick<PlanModification, 'modification_uuid' | 'operation' | 'session_agent_uuid'>,
  status: string,
  by: string,
  reason?: string,
) {
  return sessionEvent.planModification({
    modification_uuid: record.modification_uuid,
    operation: record.operation,
    status,
    session_agent_uuid: record.session_agent_uuid,
    changed_by: by,
    ...(reason && { reason }),
  });
}
