import type { ThreadMessage, ThreadStore } from '../threads/store.js';
import type { AgentRunRequest } from './port.js';
import { historyBudgetOf, type ModelSettings } from './settings.js';

/**
 * Thread history around a stateless model call: read before, append the
 * exchange after a success. Without a tenant or a store the call is single-turn.
 */
export async function loadHistory(
  threads: ThreadStore | undefined,
  request: AgentRunRequest,
  settings: ModelSettings,
): Promise<ThreadMessage[]> {
  if (!threads || !request.tenant) return [];
  return threads.history(request.tenant, request.threadUuid, historyBudgetOf(settings));
}

/** Appends this run's part of the conversation: the input, tool calls and results, the answer. */
export async function saveExchange(
  threads: ThreadStore | undefined,
  request: AgentRunRequest,
  transcript: readonly ThreadMessage[],
): Promise<void> {
  if (!threads || !request.tenant) return;
  await threads.append(request.tenant, request.threadUuid, transcript);
}
