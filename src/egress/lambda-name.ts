/**
 * ACE_TOOL_LAMBDA_PREFIX: tenants may invoke only functions whose name starts
 * with the operator's per-stage prefix (the IAM grant covers that prefix only,
 * so this check and the grant agree). Accepts a bare name, `name:qualifier`, or
 * a function ARN; anything else is refused.
 */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9_-]{1,128})$/;
const ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;

export function functionNameOf(reference: string): string | null {
  const arn = ARN.exec(reference);
  const parts = arn ? [arn[1], arn[2]] : reference.split(':');
  if (!arn && parts.length > 2) return null;
  const [name, qualifier] = parts;
  if (!name || !NAME.test(name)) return null;
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) return null;
  return name;
}

export function lambdaNameRefusal(prefix: string | undefined, reference: string): string | null {
  if (!prefix) return 'Lambda actions are off: the operator has not set ACE_TOOL_LAMBDA_PREFIX';
  const name = functionNameOf(reference);
  if (!name) return `"${reference}" is not a Lambda function name or ARN`;
  if (!name.startsWith(prefix)) return `Lambda function "${name}" is outside the allowed prefix "${prefix}"`;
  return null;
}
