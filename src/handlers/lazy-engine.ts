import { loadConfig } from '../config.js';
import { envCredentials } from '../runtimes/credentials.js';
import { environmentWithSecrets } from '../secrets/secret-environment.js';
import { createEngine, type Engine } from '../wiring.js';

// Secrets Manager values (ACE_SECRET_IDS) are read once, while the container initialises (top-level
// await in the ESM bundle), so no invocation waits on them and the template holds none of them.
const env = await environmentWithSecrets();

let engine: Engine | undefined;

/** One engine per Lambda container, built on the first invocation and kept warm. */
export function lambdaEngine(): Engine {
  engine ??= createEngine(loadConfig(env), { credentials: envCredentials(env) });
  return engine;
}
