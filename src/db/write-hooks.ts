/**
 * Observes every write a repository makes: the executor's crash test counts
 * the write boundaries and may throw after any of them to simulate the
 * process dying right there.
 */
export interface WriteHooks {
  /** Throwing here means the write is never sent. */
  beforeWrite?(label: string): void;
  afterWrite(label: string): void;
}

export async function hookedWrite<T>(
  hooks: WriteHooks | undefined,
  label: string,
  run: () => Promise<T>,
): Promise<T> {
  hooks?.beforeWrite?.(label);
  const result = await run();
  hooks?.afterWrite(label);
  return result;
}
