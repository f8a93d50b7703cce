import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type KeyAttribute, type TableKey, tableDefinitions, tableNames } from '../../src/db/tables.js';

/**
 * Every table of src/db/tables.ts, built from its definition (keys, LSIs,
 * GSIs, TTL): the stack restates no key schema. On-demand billing and
 * point-in-time recovery everywhere.
 */
export interface EngineTablesProps {
  readonly tablePrefix: string;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** GSIs left out of this deployment (a two-step index addition); unknown names are refused. */
  readonly deferGlobalIndexes?: readonly string[];
}

export const DATA_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
] as const;

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING,
});

export class EngineTables extends Construct {
  readonly byKey: Readonly<Record<TableKey, Table>>;

  constructor(scope: Construct, id: string, props: EngineTablesProps) {
    super(scope, id);
    const names = tableNames(props.tablePrefix);
    const deferred = new Set(props.deferGlobalIndexes ?? []);
    const known = new Set(Object.values(tableDefinitions).flatMap((d) => d.globalIndexes.map((i) => i.name)));
    const unknown = [...deferred].filter((name) => !known.has(name));
    if (unknown.length > 0) throw new Error(`deferGlobalIndexes: no such index: ${unknown.join(', ')}`);
    const entries = (Object.keys(tableDefinitions) as TableKey[]).map((key) => {
      const def = tableDefinitions[key];
      const table = new Table(this, key, {
        tableName: names[key],
        partitionKey: attribute(def.hashKey),
        ...('rangeKey' in def && { sortKey: attribute(def.rangeKey) }),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...('ttlAttribute' in def && { timeToLiveAttribute: def.ttlAttribute }),
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
      });
      for (const index of def.localIndexes) {
        table.addLocalSecondaryIndex({
          indexName: index.name,
          sortKey: attribute(index.rangeKey),
          projectionType: ProjectionType.ALL,
        });
      }
      for (const index of def.globalIndexes) {
        if (deferred.has(index.name)) continue;
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.hashKey),
          sortKey: attribute(index.rangeKey),
          projectionType: ProjectionType.ALL,
        });
      }
      return [key, table] as const;
    });
    this.byKey = Object.freeze(Object.fromEntries(entries)) as Record<TableKey, Table>;
  }

  get all(): Table[] {
    return Object.values(this.byKey);
  }

  /**
   * Item reads and writes on every table and index, in one statement. No
   * Scan (the engine never scans on AWS: tenants are reached through keys and
   * the tenant GSIs), no transactions (the engine uses none), no table admin.
   */
  grantItemAccess(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: DATA_ACTIONS.map((action) => `dynamodb:${action}`),
        resources: this.all.flatMap((table) => [table.tableArn, `${table.tableArn}/index/*`]),
      }),
    );
  }
}
