import type { WriteHooks } from '../../db/write-hooks.js';

/**
 * Write boundaries of the executor, observable and breakable for the crash
 * test: `afterWrite` runs after every DynamoDB write (state and event log) and
 * may throw to simulate the process dying right there.
 */
export type Faults = WriteHooks;

export class InjectedCrash extends Error {
  constructor(
    readonly writeNumber: number,
    readonly label: string,
  ) {
    super(`injected crash after write ${writeNumber} (${label})`);
    this.name = 'InjectedCrash';
  }
}

/**
 * Counts writes; after write number `crashAfter` the "process" is dead: that
 * call throws, and so does every later write and enqueue (`dead`), while
 * requests already on the wire still land, as they would.
 */
export function crashAfterWrite(crashAfter?: number) {
  let count = 0;
  const labels: string[] = [];
  let fired = false;
  return {
    labels,
    get count() {
      return count;
    },
    get fired() {
      return fired;
    },
    beforeWrite(label: string) {
      if (fired) throw new InjectedCrash(count, `${label} (after the crash)`);
    },
    afterWrite(label: string) {
      count++;
      labels.push(label);
      if (!fired && crashAfter !== undefined && count === crashAfter) {
        fired = true;
        throw new InjectedCrash(count, label);
      }
    },
  } satisfies Faults & Record<string, unknown>;
}
