import { type Config, loadConfig } from '../config.js';
import { environmentWithSecrets } from '../secrets/secret-environment.js';

// Secrets Manager values (ACE_SECRET_IDS) are read once, while the container initialises (top-level
// await in the ESM bundle), so no invocation waits on them and the template holds none of them.
const env = await environmentWithSecrets();

/**
 * One engine per Lambda container, built by the function's own composition root on the first
 * invocation and kept warm. Each handler names its root (src/wiring/ws.ts, http.ts, or the full
 * engine for the work queue), so its bundle holds only what that root imports.
 */
export function lazyEngine<E>(
  build: (config: Config, env: Record<string, string | undefined>) => E,
): () => E {
  let engine: E | undefined;
  return () => {
    engine ??= build(loadConfig(env), env);
    return engine;
  };
}
