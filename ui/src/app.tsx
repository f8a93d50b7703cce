import { useEffect, useMemo, useState } from 'preact/hooks';
import { discoverActions, type SchemaOffer } from './actions.js';
import { type Api, createApi, describeToken, type UiConfig } from './api.js';
import { SessionPage } from './session-page.js';
import { SessionsPage } from './sessions.js';

const TOKEN_KEY = 'ace.token';

/** Where the page is: `#/` (sessions) or `#/session/<coordinationUuid>/<sessionUuid>`. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onHash = () => setRoute(read());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

/**
 * The token: the local stack's dev token when it offers one, else the one
 * pasted earlier (kept in this browser's localStorage), else a form.
 */
async function initialToken(config: UiConfig): Promise<string | null> {
  if (config.devTokenUrl) {
    const response = await fetch(config.devTokenUrl).catch(() => undefined);
    if (response?.ok) return (await response.text()).trim();
  }
  return localStorage.getItem(TOKEN_KEY);
}

export function App(props: { config: UiConfig }) {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [socket, setSocket] = useState('idle');
  const [offer, setOffer] = useState<SchemaOffer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    initialToken(props.config).then(setToken, () => setToken(null));
  }, [props.config]);

  const api: Api | null = useMemo(
    () => (token ? createApi(props.config, token, setSocket) : null),
    [props.config, token],
  );
  useEffect(() => () => api?.dispose(), [api]);
  useEffect(() => {
    if (!api) return;
    discoverActions(api).then(
      (o) => {
        setOffer(o);
        setError(null);
      },
      (e: unknown) => setError((e as Error).message),
    );
  }, [api]);

  if (token === undefined) return <p>Loading…</p>;
  if (!token || !api) {
    const remember = (t: string) => {
      localStorage.setItem(TOKEN_KEY, t);
      setToken(t);
    };
    return <TokenForm onToken={remember} />;
  }
  return (
    <div class="app">
      <header class="top">
        <h1>
          <a href="#/">AI Coordination Engine</a>
        </h1>
        <span class="meta" data-tenant>
          {describeToken(token)}
        </span>
        <a href="../graphql" class="meta">
          GraphiQL
        </a>
        <button
          type="button"
          class="link"
          onClick={() => {
            localStorage.removeItem(TOKEN_KEY);
            setToken(null);
          }}
        >
          change token
        </button>
      </header>
      {error && <p class="error">{error}</p>}
      {offer &&
        (route[0] === 'session' && route[1] && route[2] ? (
          <SessionPage
            key={route[2]}
            api={api}
            actions={offer.actions}
            coordinationUuid={route[1]}
            sessionUuid={route[2]}
            socket={socket}
          />
        ) : (
          <SessionsPage api={api} canStart={offer.mutations.has('executeProcedureTaskSession')} />
        ))}
    </div>
  );
}

function TokenForm(props: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) props.onToken(value.trim());
      }}
    >
      <h1>AI Coordination Engine</h1>
      <label>
        Bearer token (kept in this browser only)
        <textarea
          name="token"
          rows={4}
          value={value}
          onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <button type="submit">Use token</button>
    </form>
  );
}
