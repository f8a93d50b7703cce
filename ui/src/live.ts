import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.js';
import {
  applyEvents,
  FINAL_STATUSES,
  fromRows,
  namesUnknownAgent,
  type RawSession,
  SESSION_QUERY,
  type SessionEventView,
  type SessionView,
  withFreshRows,
  withHistory,
} from './session-state.js';

const HISTORY = `query History($s: String!, $after: Int) {
  sessionEvents(sessionUuid: $s, after: $after, limit: 1000) { seq type data createdAt }
}`;
const FOLLOW = `subscription Follow($s: String!, $after: Int) {
  sessionEvents(sessionUuid: $s, after: $after) { seq type data createdAt }
}`;

export interface LiveSession {
  readonly view: SessionView | null;
  readonly error: string | null;
  /** Times the subscription was opened again after a drop. */
  readonly resubscriptions: number;
  reload(): void;
}

/**
 * The stored session, then its events live from a cursor: `after` is always
 * the last seq applied, so after a dropped socket the new subscription
 * starts exactly where the page is (the log has no gaps, see
 * docs/TRANSPORTS.md), and applyEvents ignores anything already applied.
 */
export function useLiveSession(api: Api, coordinationUuid: string, sessionUuid: string): LiveSession {
  const [view, setView] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resubscriptions, setResubscriptions] = useState(0);
  const [generation, setGeneration] = useState(0);
  const current = useRef<SessionView | null>(null);

  useEffect(() => {
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let rereading = false;
    const update = (next: SessionView) => {
      current.current = next;
      setView(next);
    };
    const readRows = () =>
      api.query<{ session: RawSession | null }>(SESSION_QUERY, { c: coordinationUuid, s: sessionUuid });
    // An event for an agent the page has no row for: read the rows again (once at a time).
    const rereadRows = async () => {
      if (rereading || !current.current) return;
      rereading = true;
      const seenBefore = current.current.lastSeq;
      try {
        const data = await readRows();
        if (!stopped && data.session && current.current)
          update(withFreshRows(current.current, data.session, seenBefore));
      } finally {
        rereading = false;
      }
    };
    const follow = () => {
      if (stopped) return;
      const after = current.current?.lastSeq ?? 0;
      unsubscribe = api.ws.subscribe<{ sessionEvents: SessionEventView }>(
        { query: FOLLOW, variables: { s: sessionUuid, after } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) setError(errors.map((e) => e.message).join('; '));
            const event = data?.sessionEvents;
            if (event && current.current) {
              failures = 0;
              const unknown = namesUnknownAgent(current.current, event);
              update(applyEvents(current.current, [event]));
              if (unknown) rereadRows().catch((e: unknown) => setError((e as Error).message));
            }
          },
          error: () => again(),
          complete: () => {
            if (!FINAL_STATUSES.has(current.current?.status ?? '')) again();
          },
        },
      );
    };
    const again = () => {
      if (stopped) return;
      failures++;
      setResubscriptions((n) => n + 1);
      retryTimer = setTimeout(follow, Math.min(5000, 250 * 2 ** Math.min(failures, 5)));
    };
    // The log so far first, then the rows (at least as new as it): the page opens on the current
    // state with its whole timeline, and follows from the last seq it read.
    const open = async () => {
      const history: SessionEventView[] = [];
      for (;;) {
        const page = await api.query<{ sessionEvents: SessionEventView[] }>(HISTORY, {
          s: sessionUuid,
          after: history.at(-1)?.seq ?? 0,
        });
        history.push(...page.sessionEvents);
        if (page.sessionEvents.length < 1000) break;
      }
      const data = await readRows();
      if (stopped) return;
      if (!data.session) {
        setError('No such session in this tenant.');
        return;
      }
      update(withHistory(fromRows(data.session), history));
      follow();
    };
    open().catch((e: unknown) => setError((e as Error).message));
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      unsubscribe?.();
    };
  }, [api, coordinationUuid, sessionUuid, generation]);

  return {
    view,
    error,
    resubscriptions,
    reload: () => {
      current.current = null;
      setGeneration((g) => g + 1);
    },
  };
}
