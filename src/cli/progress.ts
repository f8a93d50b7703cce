import type { CliEvent } from './session-queries.js';

/**
 * Live progress of a session's agents. On a terminal: one line per agent,
 * redrawn in place, with a spinner while it runs and its duration when done.
 * Piped: one plain line per transition (greppable, no escape codes).
 * With --json: each event as one JSON line.
 */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

interface AgentLine {
  name: string;
  state: string;
  startedAt?: number;
  durationMs?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<string, string> = {
  completed: '✓',
  failed: '✗',
  wait_for_user_input: '⏸',
  pending: '…',
  initial: '·',
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export class Progress {
  private readonly agents = new Map<string, AgentLine>();
  private status = '';
  private drawn = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private first: number | undefined;

  constructor(
    private readonly out: Output,
    private readonly mode: 'tty' | 'plain' | 'json',
    private readonly sessionUuid: string,
  ) {
    if (mode === 'tty') this.timer = setInterval(() => this.redraw(), 100);
  }

  static for(out: Output, json: boolean, sessionUuid: string): Progress {
    return new Progress(out, json ? 'json' : out.isTTY ? 'tty' : 'plain', sessionUuid);
  }

  onEvent(event: CliEvent): void {
    const at = Date.parse(event.createdAt);
    this.first ??= at;
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const d = event.data;
    if (event.type === 'session_status') {
      this.status = String(d.status);
      if (this.mode === 'plain')
        this.line(at, `session ${this.status}${d.reason ? `: ${String(d.reason)}` : ''}`);
    }
    if (event.type !== 'agent_state') return;
    const id = String(d.session_agent_uuid);
    const agent = this.agents.get(id) ?? {
      name: String(d.agent_name ?? d.agent_uuid ?? id),
      state: 'initial',
    };
    const state = String(d.state);
    if (state === 'executing') agent.startedAt = at;
    else if (agent.state === 'executing' && agent.startedAt !== undefined)
      agent.durationMs = at - agent.startedAt;
    agent.state = state;
    this.agents.set(id, agent);
    if (this.mode === 'plain') {
      const took =
        state !== 'executing' && agent.durationMs !== undefined ? ` (${seconds(agent.durationMs)})` : '';
      const hint = state === 'wait_for_user_input' ? `  -> ace approve ${this.sessionUuid} ${id}` : '';
      this.line(at, `${agent.name}: ${state}${took}${hint}`);
    }
  }

  private line(at: number, text: string) {
    this.out.write(`+${seconds(at - (this.first ?? at)).padStart(7)} ${text}\n`);
  }

  private redraw() {
    if (this.mode !== 'tty') return;
    this.frame = (this.frame + 1) % SPINNER.length;
    const lines = [...this.agents.values()].map((a) => {
      const mark = a.state === 'executing' ? SPINNER[this.frame] : (MARK[a.state] ?? '·');
      const running = a.state === 'executing' && a.startedAt ? Date.now() - a.startedAt : undefined;
      const time =
        a.durationMs !== undefined
          ? seconds(a.durationMs)
          : running !== undefined
            ? seconds(Math.max(0, running))
            : '';
      return `${mark} ${a.name.padEnd(28)} ${a.state.padEnd(20)} ${time}`;
    });
    lines.push(`session ${this.status || '…'}`);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = lines.length;
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.redraw();
  }
}
