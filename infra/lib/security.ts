import { ArnFormat, type Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The stack's security helpers (docs/SECURITY.md): grants scoped to named
 * resources, and the work queue's resource policy. Kept apart from the stack
 * so each reads as one decision.
 */

/** Secrets named in context, by full ARN or by name (the grant then covers `name-??????`, Secrets Manager's suffix). */
export function namedSecrets(scope: Construct, ids: readonly string[]): ISecret[] {
  return ids.map((id, index) =>
    id.startsWith('arn:')
      ? Secret.fromSecretCompleteArn(scope, `Secret${index}`, id)
      : Secret.fromSecretNameV2(scope, `Secret${index}`, id),
  );
}

/** GetSecretValue on exactly the named secrets, for each function that reads them at init. */
export function grantSecrets(secrets: readonly ISecret[], functions: readonly IFunction[]): void {
  for (const fn of functions) for (const secret of secrets) secret.grantRead(fn);
}

/**
 * Converse / ConverseStream on exactly the listed foundation models, in any region (cross-region
 * inference profiles route there), and on this account's inference profiles for those models
 * (`us.<model>`, `eu.<model>`...). No list, no grant.
 */
export function grantBedrockModels(stack: Stack, fn: IFunction, models: readonly string[]): void {
  if (!models.length) return;
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      resources: models.flatMap((model) => [
        `arn:${stack.partition}:bedrock:*::foundation-model/${model}`,
        stack.formatArn({
          service: 'bedrock',
          region: '*',
          resource: 'inference-profile',
          resourceName: `*.${model}`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ]),
    }),
  );
}

/**
 * Only the stack's own roles may send to the work queue: a message there is trusted
 * (it names a tenant and an operation), so no other principal of the account may forge one,
 * whatever its identity policy says. Reading and redriving stay with the account's operators.
 */
export function restrictQueueSenders(queue: Queue, roles: readonly IRole[]): void {
  queue.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OnlyTheEngineSends',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': roles.map((role) => role.roleArn) } },
    }),
  );
}
