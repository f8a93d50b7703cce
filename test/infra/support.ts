import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EngineStack } from '../../infra/lib/engine-stack.js';
import { readSettings } from '../../infra/lib/settings.js';

/**
 * Synthesizes the stack from the given context, as `cdk synth` would.
 * `bundle: false` skips esbuild (the template is the same apart from asset
 * hashes), which keeps template tests fast.
 */
export function synthesize(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}) {
  const app = new App({
    context: { ...context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new EngineStack(app, `AceEngine-${settings.stage}`, { settings });
  return { app, stack, settings, template: Template.fromStack(stack) };
}
