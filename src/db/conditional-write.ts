import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from './condition-held.js';
import { buildUpdateExpression, type Condition, ExpressionBuilder, type UpdateSpec } from './expressions.js';
import { hookedWrite, type WriteHooks } from './write-hooks.js';

export interface ConditionalWriteDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly hooks?: WriteHooks;
}

export interface ConditionalUpdate {
  readonly label: string;
  readonly table: string;
  readonly key: Record<string, unknown>;
  readonly update: UpdateSpec;
  readonly condition: Condition;
  /** ALL_NEW to learn the item after the write (a decrement that reached 0); UPDATED_NEW for the set fields. */
  readonly returnValues?: 'NONE' | 'ALL_NEW' | 'UPDATED_NEW';
}

/** The request of a conditional update (pure, so tests can read the expression). */
export function conditionalUpdateInput(request: ConditionalUpdate) {
  const b = new ExpressionBuilder();
  const UpdateExpression = buildUpdateExpression(request.update, b);
  const ConditionExpression = b.condition(request.condition);
  return {
    TableName: request.table,
    Key: request.key,
    UpdateExpression,
    ConditionExpression,
    ExpressionAttributeNames: b.names,
    ...(Object.keys(b.values).length > 0 && { ExpressionAttributeValues: b.values }),
    ReturnValues: request.returnValues ?? 'NONE',
  };
}

/**
 * One conditional UpdateItem: the item after the write (empty unless
 * ALL_NEW or UPDATED_NEW was asked for), or false when the condition failed. A lost
 * condition is an answer (a duplicate, a lost race), never an error.
 */
export async function conditionalUpdate(
  deps: ConditionalWriteDeps,
  request: ConditionalUpdate,
): Promise<Record<string, unknown> | false> {
  let attributes: Record<string, unknown> = {};
  const held = await conditionHeld(async () => {
    const out = await hookedWrite(deps.hooks, request.label, () =>
      deps.doc.send(new UpdateCommand(conditionalUpdateInput(request))),
    );
    attributes = out.Attributes ?? {};
  });
  return held ? attributes : false;
}

/** A condition as the request fields every conditional write sends. */
function conditionFields(condition: Condition) {
  const b = new ExpressionBuilder();
  const ConditionExpression = b.condition(condition);
  return {
    ConditionExpression,
    ExpressionAttributeNames: b.names,
    ...(Object.keys(b.values).length > 0 && { ExpressionAttributeValues: b.values }),
  };
}

/** One conditional PutItem; false when the condition failed. */
export async function conditionalPut(
  deps: ConditionalWriteDeps,
  request: { label: string; table: string; item: Record<string, unknown>; condition: Condition },
): Promise<boolean> {
  return conditionHeld(() =>
    hookedWrite(deps.hooks, request.label, () =>
      deps.doc.send(
        new PutCommand({
          TableName: request.table,
          Item: request.item,
          ...conditionFields(request.condition),
        }),
      ),
    ),
  );
}

/** One conditional DeleteItem; false when the condition failed. */
export async function conditionalDelete(
  deps: ConditionalWriteDeps,
  request: { label: string; table: string; key: Record<string, unknown>; condition: Condition },
): Promise<boolean> {
  return conditionHeld(() =>
    hookedWrite(deps.hooks, request.label, () =>
      deps.doc.send(
        new DeleteCommand({
          TableName: request.table,
          Key: request.key,
          ...conditionFields(request.condition),
        }),
      ),
    ),
  );
}
