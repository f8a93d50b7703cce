/**
 * What the ws and http bundles get for `@aws-sdk/client-lambda` (an esbuild
 * alias, infra/constructs/handler-function.ts). Those functions invoke no
 * Lambda: Lambda tools and `{type: "lambda"}` actions run from the work queue,
 * whose bundle has the real client. The procedure hub imports InvokeCommand
 * for its actions all the same, which would carry the whole client (~65 KB);
 * here both names refuse loudly if anything ever constructs them.
 */
const refuse = (what: string): never => {
  throw new Error(
    `${what}: this function's bundle carries no Lambda client; Lambda tools and actions run from the work queue`,
  );
};

export class LambdaClient {
  constructor() {
    refuse('LambdaClient');
  }
}

export class InvokeCommand {
  constructor() {
    refuse('InvokeCommand');
  }
}
