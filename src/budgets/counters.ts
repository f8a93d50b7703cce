import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../db/condition-held.js';
import { type Budget, BudgetExceededError, type BudgetName } from './model.js';

/** The item whose counters a budget is checked against (a Session row, or a SessionRun row per ask). */
export interface BudgetTarget {
  readonly tableName: string;
  readonly key: Record<string, unknown>;
  readonly partitionKey: string;
  /** Epoch ms the budgeted work started (maxDurationMs counts from it). */
  readonly startedMs: number;
}

export type CallKind = 'model' | 'tool';
const STARTED = { model: 'model_calls_started', tool: 'tool_calls_started' } as const;

/**
 * Budgets as conditional counters on one item. Before each call,
 * `reserve` ADDs one to the calls started, on condition that no budget is
 * spent: calls are bounded exactly (the counter is the condition), tokens and
 * cost by what completed calls recorded, so parallel calls overshoot by at
 * most what the calls in flight at that moment spend.
 */
export function createBudgetCounters(doc: DynamoDBDocumentClient) {
  async function read(target: BudgetTarget) {
    const { Item } = await doc.send(
      new GetCommand({ TableName: target.tableName, Key: target.key, ConsistentRead: true }),
    );
    return Item ?? {};
  }

  /** Which budget the stored counters have reached (first in a fixed order), if any. */
  function spent(
    budget: Budget,
    item: Record<string, unknown>,
    kind: CallKind,
  ): [BudgetName, number, number] | null {
    const n = (name: string) => (typeof item[name] === 'number' ? (item[name] as number) : 0);
    if (typeof item.budget_exceeded === 'string') {
      return [item.budget_exceeded as BudgetName, 0, 0];
    }
    if (budget.max_cost_usd !== undefined && n('cost_usd') >= budget.max_cost_usd)
      return ['maxCostUsd', budget.max_cost_usd, n('cost_usd')];
    if (budget.max_tokens !== undefined && n('total_tokens') >= budget.max_tokens)
      return ['maxTokens', budget.max_tokens, n('total_tokens')];
    if (
      kind === 'model' &&
      budget.max_model_calls !== undefined &&
      n(STARTED.model) >= budget.max_model_calls
    )
      return ['maxModelCalls', budget.max_model_calls, n(STARTED.model)];
    if (kind === 'tool' && budget.max_tool_calls !== undefined && n(STARTED.tool) >= budget.max_tool_calls)
      return ['maxToolCalls', budget.max_tool_calls, n(STARTED.tool)];
    return null;
  }

  /**
   * Flags the target spent (the first name wins) and runs onExceeded with the
   * budget as flagged; then throws it. Every later reservation is refused.
   */
  async function refuse(
    target: BudgetTarget,
    error: BudgetExceededError,
    onExceeded: (error: BudgetExceededError, callsStarted: number) => Promise<void>,
  ): Promise<never> {
    // The flag stops every later reservation. onExceeded runs for every refused caller: its own
    // conditional status write picks the one that records the event, and a crash before it is repaired.
    await conditionHeld(() =>
      doc.send(
        new UpdateCommand({
          TableName: target.tableName,
          Key: target.key,
          UpdateExpression: 'SET budget_exceeded = :name',
          ConditionExpression: 'partition_key = :pk AND attribute_not_exists(budget_exceeded)',
          ExpressionAttributeValues: { ':name': error.budget, ':pk': target.partitionKey },
        }),
      ),
    );
    const after = await read(target);
    const started = typeof after[STARTED.model] === 'number' ? (after[STARTED.model] as number) : 0;
    const flaggedAs =
      typeof after.budget_exceeded === 'string' ? (after.budget_exceeded as BudgetName) : null;
    const named = flaggedAs && flaggedAs !== error.budget ? new BudgetExceededError(flaggedAs, 0, 0) : error;
    await onExceeded(named, started);
    throw named;
  }

  return {
    /**
     * Takes one call of `kind` or throws BudgetExceededError naming the budget.
     * `onExceeded` runs once per target, for the caller that first saw it (it
     * ends the session and records the event).
     */
    async reserve(
      target: BudgetTarget,
      budget: Budget,
      kind: CallKind,
      nowMs: number,
      onExceeded: (error: BudgetExceededError, callsStarted: number) => Promise<void>,
    ): Promise<void> {
      if (budget.max_duration_ms !== undefined && nowMs - target.startedMs >= budget.max_duration_ms) {
        return refuse(
          target,
          new BudgetExceededError('maxDurationMs', budget.max_duration_ms, nowMs - target.startedMs),
          onExceeded,
        );
      }
      const values: Record<string, unknown> = { ':one': 1, ':pk': target.partitionKey };
      const conditions = ['partition_key = :pk', 'attribute_not_exists(budget_exceeded)'];
      const below = (attribute: string, limit: number | undefined, name: string) => {
        if (limit === undefined) return;
        values[name] = limit;
        conditions.push(`(attribute_not_exists(${attribute}) OR ${attribute} < ${name})`);
      };
      below('cost_usd', budget.max_cost_usd, ':maxCost');
      below('total_tokens', budget.max_tokens, ':maxTokens');
      if (kind === 'model') below(STARTED.model, budget.max_model_calls, ':maxCalls');
      else below(STARTED.tool, budget.max_tool_calls, ':maxCalls');
      const reserved = await conditionHeld(() =>
        doc.send(
          new UpdateCommand({
            TableName: target.tableName,
            Key: target.key,
            UpdateExpression: `ADD ${STARTED[kind]} :one`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (reserved) return;
      const item = await read(target);
      if (item.partition_key !== target.partitionKey) throw new Error('budget target not found');
      const which = spent(budget, item, kind);
      // A lost condition always has a cause in the item (counters only grow).
      const [name, limit, used] = which ?? ['maxModelCalls', 0, 0];
      return refuse(target, new BudgetExceededError(name, limit, used), onExceeded);
    },

    /** A budget ran out outside a reservation (a running call's duration deadline): flag, end, throw. */
    exceed: refuse,

    /** The budget flagged on this target, if any (running calls poll it when the policy says abort). */
    async exceededBudget(target: BudgetTarget): Promise<BudgetName | null> {
      const item = await read(target);
      return typeof item.budget_exceeded === 'string' ? (item.budget_exceeded as BudgetName) : null;
    },
  };
}
export type BudgetCounters = ReturnType<typeof createBudgetCounters>;
