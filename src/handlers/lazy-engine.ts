import { loadConfig } from '../config.js';
import { createEngine, type Engine } from '../wiring.js';

let engine: Engine | undefined;

/** One engine per Lambda container, built on the first invocation and kept warm. */
export function lambdaEngine(): Engine {
  engine ??= createEngine(loadConfig());
  return engine;
}
