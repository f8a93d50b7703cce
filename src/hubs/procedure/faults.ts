/**
 * Write boundaries of the executor, observable and breakable for the crash
 * test: `afterWrite` runs after every DynamoDB write (state and event log) and
 * may throw to simulate the process dying right there.
 */
export interface Faults {
  afterWrite(label: string): void;
}

export class InjectedCrash extends Error {
  constructor(
    readonly writeNumber: number,
    readonly label: string,
  ) {
    super(`injected crash after write ${writeNumber} (${label})`);
    this.name = 'InjectedCrash';
  }
}

/** Counts writes; throws once, after write number `crashAfter` (never when undefined). */
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
