import type { Tenant } from '../tenant.js';
import type { JsonSchema } from './spec.js';

/**
 * Tools this engine ships (`{type: "builtin", name}`). The registry is built
 * from a list, so another module adds its own (agent memory, ...) by passing
 * more tools to createBuiltinRegistry; nothing here needs to change.
 */
export interface BuiltinCallContext {
  readonly tenant: Tenant;
  readonly sessionUuid?: string;
  readonly sessionAgentUuid?: string;
  readonly runUuid: string;
  readonly signal?: AbortSignal;
}

export interface BuiltinTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  /** Same answer for the same arguments, no side effect: safe to call again after a crash. */
  readonly idempotent?: boolean;
  run(args: Record<string, unknown>, context: BuiltinCallContext): Promise<unknown>;
}

export interface BuiltinRegistry {
  get(name: string): BuiltinTool | undefined;
  names(): string[];
}

export function createBuiltinRegistry(tools: readonly BuiltinTool[]): BuiltinRegistry {
  const byName = new Map<string, BuiltinTool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`builtin tool ${tool.name} is registered twice`);
    byName.set(tool.name, tool);
  }
  return { get: (name) => byName.get(name), names: () => [...byName.keys()] };
}

export const currentTimeTool = (now: () => Date = () => new Date()): BuiltinTool => ({
  name: 'current_time',
  description: 'The current date and time (ISO 8601, UTC), optionally also in an IANA time zone.',
  parameters: {
    type: 'object',
    properties: { time_zone: { type: 'string', description: 'IANA time zone, e.g. Europe/Paris' } },
    additionalProperties: false,
  },
  idempotent: true,
  async run(args) {
    const at = now();
    const zone = typeof args.time_zone === 'string' ? args.time_zone : undefined;
    if (!zone) return { utc: at.toISOString() };
    const local = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      dateStyle: 'short',
      timeStyle: 'long',
    }).format(at);
    return { utc: at.toISOString(), time_zone: zone, local };
  },
});

export interface FinishedOutput {
  /** The SessionAgent (procedure hub) or run (operation hub) that produced it. */
  readonly source_uuid: string;
  readonly agent_uuid: string;
  readonly agent_name?: string | null;
  readonly output: string;
}

/** The outputs of the agents of this session that already finished (procedure agents, or operation runs). */
export type SessionOutputsSource = (tenant: Tenant, sessionUuid: string) => Promise<FinishedOutput[]>;

export const sessionOutputsTool = (source: SessionOutputsSource): BuiltinTool => ({
  name: 'session_outputs',
  description: 'The outputs of the agents of this session that already finished.',
  parameters: { type: 'object', properties: {}, additionalProperties: false },
  idempotent: true,
  async run(_args, context) {
    if (!context.sessionUuid) return [];
    const outputs = await source(context.tenant, context.sessionUuid);
    return outputs.filter((o) => o.source_uuid !== context.sessionAgentUuid);
  },
});

export function defaultBuiltins(deps: { sessionOutputs: SessionOutputsSource; now?: () => Date }) {
  return [currentTimeTool(deps.now), sessionOutputsTool(deps.sessionOutputs)];
}
