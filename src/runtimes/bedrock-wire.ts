import type {
  ContentBlock,
  ConverseStreamOutput,
  Message,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import {
  type ConversationMessage,
  parseArguments,
  type ToolCall,
  type ToolDefinition,
} from '../tools/conversation.js';

/** The forced tool that carries a structured answer (Bedrock has no response format of its own). */
export const STRUCTURED_OUTPUT_TOOL = 'structured_output';

/**
 * The neutral conversation as Converse messages: tool calls are `toolUse`
 * blocks of the assistant, results `toolResult` blocks of the next user
 * message (consecutive messages of one role are merged: Converse wants turns
 * to alternate).
 */
export function toConverseMessages(messages: readonly ConversationMessage[]): Message[] {
  const out: Message[] = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks: ContentBlock[] = [];
    if (m.role === 'tool') {
      blocks.push({
        toolResult: {
          toolUseId: m.tool_call_id,
          content: [{ text: m.content }],
          status: m.is_error ? 'error' : 'success',
        },
      });
    } else {
      if (m.content) blocks.push({ text: m.content });
      if (m.role === 'assistant') {
        for (const call of m.tool_calls ?? []) {
          const input = typeof call.arguments === 'object' && call.arguments !== null ? call.arguments : {};
          blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: input as DocumentType } });
        }
      }
    }
    if (blocks.length === 0) blocks.push({ text: ' ' });
    const last = out.at(-1);
    if (last?.role === role) last.content = [...(last.content ?? []), ...blocks];
    else out.push({ role, content: blocks });
  }
  return out;
}

export function toToolConfig(
  tools: readonly ToolDefinition[],
  outputSchema: Record<string, unknown> | undefined,
): ToolConfiguration | undefined {
  const all = [
    ...tools,
    ...(outputSchema
      ? [
          {
            name: STRUCTURED_OUTPUT_TOOL,
            description: 'Give the final answer as this JSON value.',
            parameters: outputSchema,
          },
        ]
      : []),
  ];
  if (all.length === 0) return undefined;
  return {
    tools: all.map((t) => ({
      toolSpec: {
        name: t.name,
        description: t.description || t.name,
        inputSchema: { json: t.parameters as DocumentType },
      },
    })),
    ...(outputSchema && {
      toolChoice: tools.length > 0 ? { any: {} } : { tool: { name: STRUCTURED_OUTPUT_TOOL } },
    }),
  };
}

/** Reads a ConverseStream: text deltas (forwarded), tool uses assembled from their input fragments. */
export function createConverseAccumulator(onText: (text: string) => void | Promise<void>) {
  let text = '';
  const uses = new Map<number, { id: string; name: string; input: string }>();
  return {
    async add(event: ConverseStreamOutput) {
      const start = event.contentBlockStart;
      if (start?.start?.toolUse) {
        uses.set(start.contentBlockIndex ?? uses.size, {
          id: start.start.toolUse.toolUseId ?? '',
          name: start.start.toolUse.name ?? '',
          input: '',
        });
      }
      const delta = event.contentBlockDelta;
      if (delta?.delta?.text) {
        text += delta.delta.text;
        await onText(delta.delta.text);
      }
      if (delta?.delta?.toolUse) {
        const use = uses.get(delta.contentBlockIndex ?? 0);
        if (use) use.input += delta.delta.toolUse.input ?? '';
      }
    },
    /** The turn: a structured_output call becomes the answer text. */
    result(): { text: string; toolCalls: ToolCall[] } {
      const calls = [...uses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, u]) => ({ id: u.id, name: u.name, arguments: parseArguments(u.input) }));
      const structured = calls.find((c) => c.name === STRUCTURED_OUTPUT_TOOL);
      const real = calls.filter((c) => c.name !== STRUCTURED_OUTPUT_TOOL);
      if (structured && real.length === 0) {
        const value = structured.arguments;
        return { text: typeof value === 'string' ? value : JSON.stringify(value), toolCalls: [] };
      }
      return { text, toolCalls: real };
    },
  };
}
