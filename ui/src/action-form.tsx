import { useState } from 'preact/hooks';
import { actionDocument, argumentValue, type SessionAction } from './actions.js';
import type { Api } from './api.js';

/** One mutation the schema offers for this session or agent: its own arguments, its own description. */
export function ActionForm(props: {
  api: Api;
  action: SessionAction;
  context: Record<string, string>;
  onDone: () => void;
}) {
  const { action } = props;
  const [values, setValues] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'ok' | 'error'; text?: string }>({
    kind: 'idle',
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus({ kind: 'busy' });
    try {
      const variables: Record<string, unknown> = {};
      for (const arg of action.contextArgs) variables[arg.name] = props.context[arg.name];
      for (const arg of action.inputArgs) {
        const value = argumentValue(arg, values[arg.name] ?? '');
        if (value !== undefined) variables[arg.name] = value;
      }
      const data = await props.api.query<Record<string, unknown>>(actionDocument(action), variables);
      setStatus({ kind: 'ok', text: JSON.stringify(data[action.name]) });
      props.onDone();
    } catch (error) {
      setStatus({ kind: 'error', text: (error as Error).message });
    }
  };
  return (
    <form class="action" data-action={action.name} onSubmit={submit} title={action.description ?? ''}>
      {action.inputArgs.map((arg) => {
        const id = `${action.name}-${arg.name}`;
        const onInput = (e: Event) =>
          setValues({ ...values, [arg.name]: (e.target as HTMLInputElement | HTMLTextAreaElement).value });
        const long = arg.type.startsWith('String') && arg.name.toLowerCase().includes('input');
        return (
          <div class="arg" key={arg.name}>
            <label htmlFor={id}>
              {arg.name}
              {arg.required ? ' *' : ''} <small>{arg.type}</small>
            </label>
            {long ? (
              <textarea
                id={id}
                name={arg.name}
                required={arg.required}
                rows={3}
                value={values[arg.name] ?? ''}
                onInput={onInput}
              />
            ) : (
              <input
                id={id}
                name={arg.name}
                required={arg.required}
                value={values[arg.name] ?? ''}
                placeholder={arg.description ?? ''}
                onInput={onInput}
              />
            )}
          </div>
        );
      })}
      <button type="submit" disabled={status.kind === 'busy'}>
        {action.name}
      </button>
      {action.description && <p class="hint">{action.description}</p>}
      {status.kind === 'error' && <p class="error">{status.text}</p>}
      {status.kind === 'ok' && <p class="ok">done: {status.text}</p>}
    </form>
  );
}
