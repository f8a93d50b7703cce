import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { batchGet } from '../../db/batch-get.js';
import { conditionHeld } from '../../db/condition-held.js';
import type { TableNames } from '../../db/tables.js';
import type { SessionStatus } from '../../domain/session/model.js';
import type { SessionAgentState } from '../../domain/session-agent/model.js';
import type { Tenant } from '../../tenant.js';
import type { Faults } from './faults.js';
import { type AgentRecord, AgentRecordSchema, type SessionRecord, SessionRecordSchema } from './records.js';

export interface StoreDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly faults?: Faults;
  readonly nowIso: () => string;
}

export type AgentKey = { readonly session_uuid: string; readonly session_agent_uuid: string };
export type SessionKey = { readonly coordination_uuid: string; readonly session_uuid: string };
export type DecrementResult = 'reached_zero' | 'decremented' | 'already_counted';
export interface Decrement {
  readonly result: DecrementResult;
  /** The successor's state after the write (unknown when the edge was already counted). */
  readonly state?: string;
}

const UPDATED_BY = 'procedure-hub';
const sessionKey = (key: SessionKey) => ({
  coordination_uuid: key.coordination_uuid,
  session_uuid: key.session_uuid,
});

/**
 * Every state transition of the executor: one conditional UpdateItem or
 * PutItem each, no transactions. A failed condition is an answer ("someone
 * else did it" / "not in that state"), returned as false, never an error.
 */
export function createProcedureStore(deps: StoreDeps) {
  const { doc, tables } = deps;

  async function write<T>(label: string, run: () => Promise<T>): Promise<T> {
    deps.faults?.beforeWrite?.(label);
    const result = await run();
    deps.faults?.afterWrite(label);
    return result;
  }

  /** Runs a conditional update; false when the condition failed. */
  async function conditional(
    label: string,
    input: UpdateCommandInput,
  ): Promise<Record<string, unknown> | false> {
    try {
      const out = await write(label, () => doc.send(new UpdateCommand(input)));
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A conditional update of one SessionAgent: `set` without the SET keyword, `tail` for ADD/REMOVE clauses. */
  const agentUpdate = (
    tenant: Tenant,
    key: AgentKey,
    change: { set: string; tail?: string },
    condition: string,
    values: Record<string, unknown>,
    returnValues: UpdateCommandInput['ReturnValues'] = 'NONE',
  ): UpdateCommandInput => {
    const update =
      `SET ${change.set}, updated_at = :updated_at, updated_by = :updated_by ${change.tail ?? ''}`.trim();
    const usesState = update.includes('#state') || condition.includes('#state');
    return {
      TableName: tables.sessionAgents,
      Key: { session_uuid: key.session_uuid, session_agent_uuid: key.session_agent_uuid },
      UpdateExpression: update,
      ConditionExpression: `partition_key = :pk AND (${condition})`,
      ...(usesState && { ExpressionAttributeNames: { '#state': 'state' } }),
      ExpressionAttributeValues: {
        ...values,
        ':pk': tenant.partitionKey,
        ':updated_at': deps.nowIso(),
        ':updated_by': UPDATED_BY,
      },
      ReturnValues: returnValues,
    };
  };

  return {
    write,

    async getAgent(tenant: Tenant, key: AgentKey): Promise<AgentRecord | undefined> {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: tables.sessionAgents,
          Key: { session_uuid: key.session_uuid, session_agent_uuid: key.session_agent_uuid },
          ConsistentRead: true,
        }),
      );
      if (!Item || Item.partition_key !== tenant.partitionKey) return undefined;
      return AgentRecordSchema.parse(Item);
    },

    /** Agents by session_agent_uuid, in the given order (missing ones left out). */
    async batchGetAgents(
      tenant: Tenant,
      sessionUuid: string,
      uuids: readonly string[],
    ): Promise<AgentRecord[]> {
      if (uuids.length === 0) return [];
      const items = await batchGet(
        doc,
        tables.sessionAgents,
        ['session_uuid', 'session_agent_uuid'],
        uuids.map((u) => ({ session_uuid: sessionUuid, session_agent_uuid: u })),
      );
      return items
        .filter((item) => item !== undefined && item.partition_key === tenant.partitionKey)
        .map((item) => AgentRecordSchema.parse(item));
    },

    /** A session by its uuid alone, through the tenant index (eventually consistent). */
    async findSessionKey(tenant: Tenant, sessionUuid: string): Promise<SessionKey | undefined> {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tables.sessions,
          IndexName: 'partition_key-index',
          KeyConditionExpression: 'partition_key = :pk AND session_uuid = :s',
          ExpressionAttributeValues: { ':pk': tenant.partitionKey, ':s': sessionUuid },
        }),
      );
      const item = Items?.[0];
      return item
        ? { coordination_uuid: String(item.coordination_uuid), session_uuid: sessionUuid }
        : undefined;
    },

    async listAgents(tenant: Tenant, sessionUuid: string): Promise<AgentRecord[]> {
      const items: AgentRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tables.sessionAgents,
            KeyConditionExpression: 'session_uuid = :s',
            ExpressionAttributeValues: { ':s': sessionUuid },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.partition_key === tenant.partitionKey) items.push(AgentRecordSchema.parse(item));
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    },

    async getSession(tenant: Tenant, key: SessionKey): Promise<SessionRecord | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tables.sessions, Key: sessionKey(key), ConsistentRead: true }),
      );
      if (!Item || Item.partition_key !== tenant.partitionKey) return undefined;
      return SessionRecordSchema.parse(Item);
    },

    /** Creates a SessionAgent unless it exists (a duplicate start creates nothing). */
    async insertAgent(
      tenant: Tenant,
      record: Omit<AgentRecord, 'partition_key' | 'created_at' | 'updated_at'>,
    ) {
      const stamp = deps.nowIso();
      return conditionHeld(() =>
        write('insert_agent', () =>
          doc.send(
            new PutCommand({
              TableName: tables.sessionAgents,
              Item: { ...record, partition_key: tenant.partitionKey, created_at: stamp, updated_at: stamp },
              ConditionExpression: 'attribute_not_exists(session_agent_uuid)',
            }),
          ),
        ),
      );
    },

    /** Session status `from -> to`; false when the session was not in one of `from`. */
    async setSessionStatus(
      tenant: Tenant,
      key: SessionKey,
      from: readonly SessionStatus[],
      to: SessionStatus,
      extra: { logs?: string; agent_count?: number } = {},
    ): Promise<boolean> {
      const values: Record<string, unknown> = {
        ':pk': tenant.partitionKey,
        ':to': to,
        ':now': deps.nowIso(),
      };
      const fromList = from.map((status, i) => {
        values[`:f${i}`] = status;
        return `:f${i}`;
      });
      const sets = ['#status = :to', 'updated_at = :now'];
      if (extra.logs !== undefined) {
        sets.push('logs = :logs');
        values[':logs'] = extra.logs;
      }
      if (extra.agent_count !== undefined) {
        sets.push('agent_count = :agent_count');
        values[':agent_count'] = extra.agent_count;
      }
      const result = await conditional(`session_${to}`, {
        TableName: tables.sessions,
        Key: sessionKey(key),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `partition_key = :pk AND #status IN (${fromList.join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      });
      return result !== false;
    },

    /** Stores decomposed subtask queries, only if none are stored yet (the first answer wins). */
    async setSubtaskQueries(tenant: Tenant, key: SessionKey, queries: unknown[]): Promise<boolean> {
      const result = await conditional('session_subtasks', {
        TableName: tables.sessions,
        Key: sessionKey(key),
        UpdateExpression: 'SET subtask_queries = :q, updated_at = :now',
        ConditionExpression:
          'partition_key = :pk AND (attribute_not_exists(subtask_queries) OR size(subtask_queries) = :zero)',
        ExpressionAttributeValues: {
          ':pk': tenant.partitionKey,
          ':q': queries,
          ':now': deps.nowIso(),
          ':zero': 0,
        },
      });
      return result !== false;
    },

    /**
     * Takes one of the session's max_parallel slots for this agent. Idempotent:
     * an agent that already holds a slot keeps it (a duplicate delivery).
     */
    async acquireSlot(
      tenant: Tenant,
      key: SessionKey,
      sessionAgentUuid: string,
      max: number,
    ): Promise<boolean> {
      const result = await conditional('slot_acquire', {
        TableName: tables.sessions,
        Key: sessionKey(key),
        UpdateExpression: 'ADD running_agents :me',
        ConditionExpression:
          'partition_key = :pk AND (attribute_not_exists(running_agents) OR size(running_agents) < :max OR contains(running_agents, :id))',
        ExpressionAttributeValues: {
          ':pk': tenant.partitionKey,
          ':me': new Set([sessionAgentUuid]),
          ':max': max,
          ':id': sessionAgentUuid,
        },
      });
      return result !== false;
    },

    /** Releases the agent's slot; deleting a member that is absent changes nothing, so it is idempotent. */
    async releaseSlot(tenant: Tenant, key: SessionKey, sessionAgentUuid: string): Promise<void> {
      await conditional('slot_release', {
        TableName: tables.sessions,
        Key: sessionKey(key),
        UpdateExpression: 'DELETE running_agents :me',
        ConditionExpression: 'partition_key = :pk',
        ExpressionAttributeValues: { ':pk': tenant.partitionKey, ':me': new Set([sessionAgentUuid]) },
      });
    },

    /**
     * `initial -> executing` (or takes over an executing agent whose lease expired). Returns the
     * run's uuid, kept from the first claim on (`runUuid` is used only by that one), so a resumed run
     * finds its tool calls; false when the claim was lost.
     */
    async claim(
      tenant: Tenant,
      key: AgentKey,
      token: string,
      leaseUntil: number,
      nowMs: number,
      runUuid: string,
    ): Promise<string | false> {
      const result = await conditional(
        'agent_claim',
        agentUpdate(
          tenant,
          key,
          {
            set: '#state = :executing, lease_until = :lease, claim_token = :token, attempts = if_not_exists(attempts, :zero) + :one, run_uuid = if_not_exists(run_uuid, :run)',
          },
          'in_degree = :zero AND (#state = :initial OR (#state = :executing AND lease_until < :nowms))',
          {
            ':executing': 'executing',
            ':initial': 'initial',
            ':lease': leaseUntil,
            ':token': token,
            ':zero': 0,
            ':one': 1,
            ':nowms': nowMs,
            ':run': runUuid,
          },
          'UPDATED_NEW',
        ),
      );
      return result === false ? false : String(result.run_uuid ?? runUuid);
    },

    /** `executing -> state` with the run's output, only by the claim's holder. */
    async finishRun(
      tenant: Tenant,
      key: AgentKey,
      token: string,
      fields: {
        state: SessionAgentState;
        agent_input: string;
        agent_output?: string;
        thread_uuid?: string;
        run_uuid?: string;
        notes?: string;
        /** Calls waiting for a person (state wait_for_user_input): shown on the SessionAgent. */
        pending_tool_calls?: readonly unknown[];
      },
    ): Promise<boolean> {
      const values: Record<string, unknown> = {
        ':executing': 'executing',
        ':token': token,
        ':to': fields.state,
      };
      const sets = ['#state = :to'];
      const names = [
        'agent_input',
        'agent_output',
        'thread_uuid',
        'run_uuid',
        'notes',
        'pending_tool_calls',
      ] as const;
      for (const name of names) {
        const value = fields[name];
        if (value !== undefined) {
          sets.push(`${name} = :${name}`);
          values[`:${name}`] = value;
        }
      }
      const result = await conditional(
        `agent_${fields.state}`,
        agentUpdate(
          tenant,
          key,
          {
            set: sets.join(', '),
            tail: fields.pending_tool_calls ? 'REMOVE lease_until' : 'REMOVE lease_until, pending_tool_calls',
          },
          '#state = :executing AND claim_token = :token',
          values,
        ),
      );
      return result !== false;
    },

    /** Claims a pending agent's action function (a lease, so a crashed run is retried later). */
    async claimAction(tenant: Tenant, key: AgentKey, leaseUntil: number, nowMs: number): Promise<boolean> {
      const result = await conditional(
        'action_claim',
        agentUpdate(
          tenant,
          key,
          { set: 'action_lease_until = :lease' },
          '#state = :pending AND (attribute_not_exists(action_lease_until) OR action_lease_until < :nowms)',
          { ':pending': 'pending', ':lease': leaseUntil, ':nowms': nowMs },
        ),
      );
      return result !== false;
    },

    /** `pending -> completed|failed` once the action function ran. */
    async finishAction(
      tenant: Tenant,
      key: AgentKey,
      fields: { state: 'completed' | 'failed'; agent_output?: string; notes?: string },
    ): Promise<boolean> {
      const values: Record<string, unknown> = { ':pending': 'pending', ':to': fields.state };
      const sets = ['#state = :to'];
      if (fields.agent_output !== undefined) {
        sets.push('agent_output = :out');
        values[':out'] = fields.agent_output;
      }
      if (fields.notes !== undefined) {
        sets.push('notes = :notes');
        values[':notes'] = fields.notes;
      }
      const result = await conditional(
        `action_${fields.state}`,
        agentUpdate(tenant, key, { set: sets.join(', ') }, '#state = :pending', values),
      );
      return result !== false;
    },

    /** `wait_for_user_input -> pending|completed` with the user's input. */
    async submitUserInput(
      tenant: Tenant,
      key: AgentKey,
      userInput: string,
      next: 'pending' | 'completed',
    ): Promise<boolean> {
      const result = await conditional(
        'user_input',
        agentUpdate(
          tenant,
          key,
          { set: '#state = :to, user_input = :input' },
          // An agent waiting for tool approvals is answered by decideToolCalls, not by user input.
          '#state = :wait AND attribute_not_exists(pending_tool_calls)',
          {
            ':to': next,
            ':input': userInput,
            ':wait': 'wait_for_user_input',
          },
        ),
      );
      return result !== false;
    },

    /**
     * `wait_for_user_input -> initial` with a person's decisions on the pending tool calls (one
     * conditional write: deciding twice finds no pending calls and changes nothing).
     */
    async decideToolCalls(
      tenant: Tenant,
      key: AgentKey,
      decisions: Record<string, unknown>,
    ): Promise<boolean> {
      const result = await conditional(
        'tool_decisions',
        agentUpdate(
          tenant,
          key,
          { set: '#state = :initial, tool_decisions = :d', tail: 'REMOVE pending_tool_calls' },
          '#state = :wait AND attribute_exists(pending_tool_calls)',
          { ':initial': 'initial', ':d': decisions, ':wait': 'wait_for_user_input' },
        ),
      );
      return result !== false;
    },

    /** `initial -> failed`: a successor of a failed agent that can never run (failure mode continue). */
    async skipAgent(tenant: Tenant, key: AgentKey, notes: string): Promise<boolean> {
      const result = await conditional(
        'agent_skipped',
        agentUpdate(tenant, key, { set: '#state = :failed, notes = :notes' }, '#state = :initial', {
          ':failed': 'failed',
          ':initial': 'initial',
          ':notes': notes,
        }),
      );
      return result !== false;
    },

    /**
     * One edge (predecessor -> successor): decrements in_degree once per
     * predecessor, whatever the number of deliveries. The write that reaches 0
     * is told so, and only that caller dispatches the successor.
     */
    async decrement(tenant: Tenant, successor: AgentKey, predecessorUuid: string): Promise<Decrement> {
      const result = await conditional(
        'decrement',
        agentUpdate(
          tenant,
          successor,
          { set: 'in_degree = in_degree - :one', tail: 'ADD completed_predecessors :pset' },
          'NOT contains(completed_predecessors, :p) AND in_degree > :zero',
          { ':one': 1, ':zero': 0, ':pset': new Set([predecessorUuid]), ':p': predecessorUuid },
          'ALL_NEW',
        ),
      );
      if (result === false) return { result: 'already_counted' };
      const state = String(result.state);
      // A successor already failed (skipped) is never dispatched, whatever its in-degree.
      return {
        result: result.in_degree === 0 && state === 'initial' ? 'reached_zero' : 'decremented',
        state,
      };
    },
  };
}

export type ProcedureStore = ReturnType<typeof createProcedureStore>;
