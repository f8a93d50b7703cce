import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import {
  type ConversationMessage,
  parseArguments,
  type ToolCall,
  type ToolDefinition,
} from '../tools/conversation.js';

/** The neutral conversation as chat completions messages (`tool_calls`, `tool` messages with `tool_call_id`). */
export function toChatMessages(messages: readonly ConversationMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    if (m.role === 'user') return { role: 'user', content: m.content };
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
    if (!m.tool_calls?.length) return { role: 'assistant', content: m.content };
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.tool_calls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: {
          name: c.name,
          arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
        },
      })),
    };
  });
}

export function toChatTools(tools: readonly ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** Tool calls as the API sent them (function calls only). */
export function fromChatToolCalls(
  calls: readonly { id: string; type: string; function?: { name: string; arguments: string } }[] | undefined,
): ToolCall[] {
  return (calls ?? [])
    .filter((c) => c.type === 'function' && c.function)
    .map((c) => ({
      id: c.id,
      name: c.function?.name ?? '',
      arguments: parseArguments(c.function?.arguments),
    }));
}

/** Streamed tool calls arrive as fragments by index: the id and name first, the arguments in pieces. */
export function createToolCallAccumulator() {
  const parts = new Map<number, { id: string; name: string; args: string }>();
  return {
    add(deltas: ChatCompletionChunk.Choice.Delta['tool_calls']) {
      for (const d of deltas ?? []) {
        const part = parts.get(d.index) ?? { id: '', name: '', args: '' };
        if (d.id) part.id = d.id;
        if (d.function?.name) part.name += d.function.name;
        if (d.function?.arguments) part.args += d.function.arguments;
        parts.set(d.index, part);
      }
    },
    calls(): ToolCall[] {
      return [...parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, p]) => ({ id: p.id, name: p.name, arguments: parseArguments(p.args) }));
    },
  };
}
