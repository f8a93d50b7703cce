import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';

interface SessionRow {
  sessionUuid: string;
  coordinationUuid: string;
  taskUuid: string | null;
  status: string;
  createdAt: string | null;
  updatedAt: string | null;
  task: { taskName: string } | null;
}
interface TaskRow {
  taskUuid: string;
  taskName: string;
  coordinationUuid: string;
  taskDescription: string | null;
}

const LIST = `query Sessions($statuses: [String!], $taskUuid: String, $limit: Int, $pageNumber: Int) {
  sessionList(statuses: $statuses, taskUuid: $taskUuid, limit: $limit, pageNumber: $pageNumber) {
    total pageNumber pageSize
    sessionList { sessionUuid coordinationUuid taskUuid status createdAt updatedAt task { taskName } }
  }
}`;
const TASKS = `query Tasks { taskList(limit: 100) { taskList { taskUuid taskName coordinationUuid taskDescription } } }`;
const START = `mutation Start($c: String!, $t: String!) {
  executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid coordinationUuid } }
}`;

// Session.status values (src/domain/session/model.ts).
const STATUSES = [
  'initial',
  'dispatched',
  'in_progress',
  'completed',
  'failed',
  'cancelled',
  'active',
  'in_transit',
  'timeout',
];
const PAGE = 20;

/** The tenant's sessions (filter by status and task) and its tasks, each with a Start button. */
export function SessionsPage(props: { api: Api; canStart: boolean }) {
  const [status, setStatus] = useState('');
  const [taskUuid, setTaskUuid] = useState('');
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [total, setTotal] = useState(0);
  const [tasks, setTasks] = useState<TaskRow[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    props.api
      .query<{ taskList: { taskList: TaskRow[] } | null }>(TASKS)
      .then((d) => setTasks(d.taskList?.taskList ?? []))
      .catch((e: unknown) => setError((e as Error).message));
  }, [props.api]);

  useEffect(() => {
    const variables = {
      ...(status && { statuses: [status] }),
      ...(taskUuid && { taskUuid }),
      limit: PAGE,
      pageNumber: page,
    };
    props.api
      .query<{ sessionList: { total: number; sessionList: SessionRow[] } | null }>(LIST, variables)
      .then((d) => {
        const list = [...(d.sessionList?.sessionList ?? [])];
        list.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
        setRows(list);
        setTotal(d.sessionList?.total ?? 0);
        setError(null);
      })
      .catch((e: unknown) => setError((e as Error).message));
  }, [props.api, status, taskUuid, page]);

  const start = async (task: TaskRow) => {
    try {
      const d = await props.api.query<{
        executeProcedureTaskSession: {
          procedureTaskSession: { sessionUuid: string; coordinationUuid: string };
        };
      }>(START, { c: task.coordinationUuid, t: task.taskUuid });
      const s = d.executeProcedureTaskSession.procedureTaskSession;
      location.hash = `#/session/${s.coordinationUuid}/${s.sessionUuid}`;
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section class="sessions">
      {error && <p class="error">{error}</p>}
      <h2>Tasks</h2>
      <ul class="tasks">
        {tasks.map((t) => (
          <li key={t.taskUuid} data-task={t.taskName}>
            <strong>{t.taskName}</strong> <span class="meta">{t.taskDescription}</span>
            {props.canStart && (
              <button type="button" onClick={() => void start(t)}>
                Start
              </button>
            )}
          </li>
        ))}
        {tasks.length === 0 && <li class="meta">No tasks in this tenant.</li>}
      </ul>
      <h2>Sessions</h2>
      <div class="filters">
        <label>
          status{' '}
          <select
            name="status"
            value={status}
            onChange={(e) => {
              setPage(1);
              setStatus((e.target as HTMLSelectElement).value);
            }}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          task{' '}
          <select
            name="task"
            value={taskUuid}
            onChange={(e) => {
              setPage(1);
              setTaskUuid((e.target as HTMLSelectElement).value);
            }}
          >
            <option value="">any</option>
            {tasks.map((t) => (
              <option key={t.taskUuid} value={t.taskUuid}>
                {t.taskName}
              </option>
            ))}
          </select>
        </label>
        <span class="meta">{total} sessions</span>
      </div>
      <table>
        <thead>
          <tr>
            <th>session</th>
            <th>task</th>
            <th>status</th>
            <th>created</th>
            <th>updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.sessionUuid} data-session={r.sessionUuid}>
              <td>
                <a href={`#/session/${r.coordinationUuid}/${r.sessionUuid}`}>{r.sessionUuid}</a>
              </td>
              <td>{r.task?.taskName ?? r.taskUuid ?? '—'}</td>
              <td>
                <span class={`badge status-${r.status}`}>{r.status}</span>
              </td>
              <td>{r.createdAt?.replace('T', ' ').slice(0, 19)}</td>
              <td>{r.updatedAt?.replace('T', ' ').slice(0, 19)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          ← newer
        </button>
        <span>page {page}</span>
        <button type="button" disabled={page * PAGE >= total} onClick={() => setPage(page + 1)}>
          older →
        </button>
      </div>
    </section>
  );
}
