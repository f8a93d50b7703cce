/**
 * A signal that aborts after `ms`, or as soon as one of `parents` aborts.
 *
 * Why not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20
 * (nodejs/node#57736) the composite holds its sources weakly and the timeout
 * signal's timer holds it weakly too, so once nothing else references the
 * timeout signal a garbage collection drops it and the composite never times
 * out. Whether that happens depends on heap pressure, so a timeout that works in
 * a quiet process silently stops working in a busier one. Here the timer holds
 * the controller strongly, and `clear()` (call it when the work ends) stops the
 * timer and detaches from the parents, so nothing leaks on a long-lived parent.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the deadline itself fired (not a parent). */
  timedOut(): boolean;
  clear(): void;
}

export function deadline(ms: number, ...parents: (AbortSignal | null | undefined)[]): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
  }, ms);
  // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
  timer.unref?.();
  const attached: { parent: AbortSignal; onAbort: () => void }[] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    attached.push({ parent, onAbort });
  }
  const clear = () => {
    clearTimeout(timer);
    for (const { parent, onAbort } of attached.splice(0)) parent.removeEventListener('abort', onAbort);
  };
  if (controller.signal.aborted) clear();
  else controller.signal.addEventListener('abort', clear, { once: true });
  return { signal: controller.signal, timedOut: () => expired, clear };
}
