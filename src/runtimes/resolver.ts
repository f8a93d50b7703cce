import type { Agent } from '../domain/coordination/model.js';
import type { ThreadStore } from '../threads/store.js';
import { createCoreEngineRuntime } from './core-engine.js';
import { type CredentialSource, envCredentials } from './credentials.js';
import type { AgentRuntime, RuntimeResolver } from './port.js';
import { createScriptedRuntime } from './scripted.js';
import { type RuntimeKind, runtimeKindOf } from './settings.js';

export interface RuntimeResolverOptions {
  /** Secrets and endpoints per (runtime, profile); the environment by default. */
  readonly credentials?: CredentialSource;
  /** Thread history for the stateless runtimes (chat completions, Bedrock). */
  readonly threads?: ThreadStore;
  /** Runtimes to use instead of the built-in ones (the scripted runtime, test doubles of a wire protocol...). */
  readonly runtimes?: Partial<Record<RuntimeKind, AgentRuntime>>;
}

/**
 * The one place that maps an agent's `runtime` setting to an adapter; the
 * operation and procedure hubs both take the resolver it returns. Adapters
 * are built once and reused (their SDK clients keep connections warm).
 */
export function createRuntimeResolver(options: RuntimeResolverOptions = {}): RuntimeResolver {
  const credentials = options.credentials ?? envCredentials();
  const { threads } = options;
  const builtIn: Record<RuntimeKind, () => AgentRuntime> = {
    scripted: () => createScriptedRuntime(),
    openai: () =>
      loadedOnFirstRun('openai', async () =>
        (await import('./openai.js')).createOpenAIRuntime({ credentials, threads }),
      ),
    bedrock: () =>
      loadedOnFirstRun('bedrock', async () =>
        (await import('./bedrock.js')).createBedrockRuntime({ credentials, threads }),
      ),
    core_engine: () => createCoreEngineRuntime({ credentials }),
  };
  const built = new Map<RuntimeKind, AgentRuntime>(
    Object.entries(options.runtimes ?? {}) as [RuntimeKind, AgentRuntime][],
  );

  return {
    forAgent(agent: Agent): AgentRuntime {
      const kind = runtimeKindOf(agent);
      let runtime = built.get(kind);
      if (!runtime) {
        runtime = builtIn[kind]();
        built.set(kind, runtime);
      }
      return runtime;
    },
  };
}

/**
 * An adapter whose module (and SDK: openai, Bedrock) is imported on its first
 * run rather than when the process starts: a Lambda cold start that never
 * runs such an agent does not pay for evaluating it. The adapters build
 * their clients lazily anyway, so nothing observable moves.
 */
function loadedOnFirstRun(kind: RuntimeKind, load: () => Promise<AgentRuntime>): AgentRuntime {
  let adapter: Promise<AgentRuntime> | undefined;
  return {
    kind,
    run(request) {
      // A failed import is not cached: the next run tries again.
      adapter ??= load().catch((error: unknown) => {
        adapter = undefined;
        throw error;
      });
      return adapter.then((runtime) => runtime.run(request));
    },
  };
}
