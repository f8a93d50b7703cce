import { useState } from 'preact/hooks';
import { ActionForm } from './action-form.js';
import type { SessionAction } from './actions.js';
import type { Api } from './api.js';
import { DagView } from './dag.js';
import { useLiveSession } from './live.js';
import type { AgentView, SessionEventView } from './session-state.js';

export function SessionPage(props: {
  api: Api;
  actions: readonly SessionAction[];
  coordinationUuid: string;
  sessionUuid: string;
  socket: string;
}) {
  const live = useLiveSession(props.api, props.coordinationUuid, props.sessionUuid);
  const [selected, setSelected] = useState<string | null>(null);
  const { view } = live;
  if (live.error && !view) return <p class="error">{live.error}</p>;
  if (!view) return <p>Loading session…</p>;
  const agent = selected ? view.agents.get(selected) : undefined;
  const context = { sessionUuid: view.sessionUuid, coordinationUuid: view.coordinationUuid };
  const waiting = [...view.agents.values()].filter((a) => a.state === 'wait_for_user_input');
  return (
    <section class="session">
      <header class="session-head">
        <a href="#/">← sessions</a>
        <h2>
          {view.taskName} <code>{view.sessionUuid}</code>
        </h2>
        <span class={`badge status-${view.status}`} data-session-status={view.status}>
          {view.status}
        </span>
        <span class="meta">
          {view.agents.size} agents · {view.runs} runs · {view.lastSeq} events · socket {props.socket}
        </span>
      </header>
      {view.taskQuery && (
        <p class="meta">
          task query <code>{view.taskQuery}</code>
        </p>
      )}
      {waiting.length > 0 && (
        <p class="attention">
          Waiting for you:{' '}
          {waiting.map((a) => (
            <button type="button" key={a.sessionAgentUuid} onClick={() => setSelected(a.sessionAgentUuid)}>
              {a.name}
            </button>
          ))}
        </p>
      )}
      <div class="layout">
        <div class="graph">
          <DagView agents={view.agents} selected={selected} onSelect={setSelected} />
        </div>
        <aside class="panel">
          {agent ? (
            <AgentPanel api={props.api} actions={props.actions} agent={agent} context={context} />
          ) : (
            <p class="hint">Select an agent to see its input, output and what you can do.</p>
          )}
          <SessionActions
            api={props.api}
            actions={props.actions}
            context={context}
            onDone={() => undefined}
          />
        </aside>
      </div>
      <Timeline events={view.events} agents={view.agents} />
    </section>
  );
}

function SessionActions(props: {
  api: Api;
  actions: readonly SessionAction[];
  context: Record<string, string>;
  onDone: () => void;
}) {
  const list = props.actions.filter((a) => a.scope === 'session');
  if (list.length === 0) return null;
  return (
    <div class="actions">
      <h3>Session actions</h3>
      {list.map((a) => (
        <ActionForm key={a.name} api={props.api} action={a} context={props.context} onDone={props.onDone} />
      ))}
    </div>
  );
}

function AgentPanel(props: {
  api: Api;
  actions: readonly SessionAction[];
  agent: AgentView;
  context: Record<string, string>;
}) {
  const { agent } = props;
  // Agent actions answer an agent that waits for a person (user input, a tool decision); the server checks the state.
  const offered = agent.state.startsWith('wait') ? props.actions.filter((a) => a.scope === 'agent') : [];
  const context = { ...props.context, sessionAgentUuid: agent.sessionAgentUuid };
  return (
    <div class="agent" data-agent-panel={agent.name}>
      <h3>
        {agent.name} <span class={`badge state-${agent.state}`}>{agent.state}</span>
      </h3>
      {agent.startedAt && agent.finishedAt && agent.finishedAt >= agent.startedAt && (
        <p class="meta">ran {Date.parse(agent.finishedAt) - Date.parse(agent.startedAt)} ms</p>
      )}
      {offered.map((a) => (
        <ActionForm key={a.name} api={props.api} action={a} context={context} onDone={() => undefined} />
      ))}
      <Field label="Subtask query" value={agent.subtaskQuery} />
      <Field label="Input" value={agent.input} />
      <Field label="Output" value={agent.output} />
      <Field label="User input" value={agent.userInput} />
      <Field label="Notes" value={agent.notes} />
    </div>
  );
}

function Field(props: { label: string; value: string | null }) {
  if (!props.value) return null;
  return (
    <details open={props.label === 'Output'}>
      <summary>{props.label}</summary>
      <pre>{props.value}</pre>
    </details>
  );
}

function Timeline(props: { events: readonly SessionEventView[]; agents: ReadonlyMap<string, AgentView> }) {
  return (
    <section class="timeline">
      <h3>Timeline</h3>
      <ol>
        {[...props.events].reverse().map((e) => {
          const id = String(e.data.session_agent_uuid ?? '');
          const who = props.agents.get(id)?.name ?? (e.data.agent_name as string | undefined) ?? '';
          const what = e.data.state ?? e.data.status ?? (e.type === 'token' ? 'chunks' : '');
          return (
            <li key={e.seq} data-seq={e.seq}>
              <span class="seq">#{e.seq}</span>
              <time>{e.createdAt.slice(11, 23)}</time>
              <span class={`type type-${e.type}`}>{e.type}</span>
              <span>{who}</span>
              <strong>{String(what)}</strong>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
