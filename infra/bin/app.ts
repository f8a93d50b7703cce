import { App } from 'aws-cdk-lib';
import { EngineStack } from '../lib/engine-stack.js';
import { readSettings } from '../lib/settings.js';

// `npx cdk synth|deploy [-c stage=prod -c region=eu-west-1 ...]`: settings come from cdk.json and -c flags.
const app = new App();
const settings = readSettings((key) => app.node.tryGetContext(key));
const region = settings.region ?? process.env.CDK_DEFAULT_REGION;
const account = process.env.CDK_DEFAULT_ACCOUNT;

new EngineStack(app, `AceEngine-${settings.stage}`, {
  settings,
  description: `AI Coordination Engine (${settings.stage})`,
  ...(region && { env: { region, ...(account && { account }) } }),
});
app.synth();
