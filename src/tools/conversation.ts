import * as z from 'zod';
import type { JsonSchema } from './spec.js';

/**
 * The provider-neutral conversation the tool loop keeps: every runtime maps
 * it to its own wire format (chat completions `tool_calls` / `tool` messages,
 * Bedrock `toolUse` / `toolResult` blocks) and back. Thread history stores it
 * as is, so a later turn on the thread is a valid conversation for the provider.
 */
export const ToolCallSchema = z.object({
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  /** The arguments the model sent, parsed (a string that is not JSON stays a string: an invalid call). */
  arguments: z.unknown(),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ConversationMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    tool_calls: z.array(ToolCallSchema).optional(),
  }),
  z.object({
    role: z.literal('tool'),
    tool_call_id: z.string(),
    name: z.string(),
    content: z.string(),
    is_error: z.boolean().optional(),
  }),
]);
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;
export type AssistantMessage = Extract<ConversationMessage, { role: 'assistant' }>;
export type ToolMessage = Extract<ConversationMessage, { role: 'tool' }>;

/** A tool as the model sees it. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
}

export interface ModelTurnRequest {
  /** Every message so far, system prompt excluded (each runtime places it). */
  readonly messages: readonly ConversationMessage[];
  readonly tools: readonly ToolDefinition[];
  /** Structured output asked for: OpenAI `response_format`, Bedrock a forced tool. */
  readonly outputSchema?: JsonSchema;
  /** Forward text chunks as they arrive (false while an answer must first pass validation). */
  readonly stream: boolean;
}

export interface ModelTurnResult {
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
}

/** One model call of a runtime, in the neutral shape. */
export type ModelTurn = (request: ModelTurnRequest) => Promise<ModelTurnResult>;

/** Arguments as sent on the wire (a JSON string) read back; anything unreadable is kept as the string. */
export function parseArguments(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A tool result as the text a model reads. */
export function resultText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
