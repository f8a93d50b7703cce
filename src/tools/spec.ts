import * as z from 'zod';

/**
 * Tool specs on a coordination's agent entry (stored snake_case). A tenant
 * writes them; the operator decides where they may go (the egress guard,
 * ACE_TOOL_LAMBDA_PREFIX). JSON Schema values (`parameters`, `output_schema`)
 * are kept exactly as given: the key-case conversion never enters them
 * (see src/graphql/case.ts, JSON_SCHEMA_KEYS).
 */
export const ToolNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name is 1-64 letters, digits, "_" or "-"');

/** A JSON Schema object, kept as given. */
export const JsonSchemaValue = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof JsonSchemaValue>;

const EMPTY_OBJECT_SCHEMA: JsonSchema = { type: 'object', properties: {} };
const ProfileName = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'a profile name is letters, digits or "_"');

const common = {
  /** `true`, or (mcp) the names of the server's tools that need approval. */
  needs_approval: z.union([z.boolean(), z.array(ToolNameSchema).max(200)]).optional(),
  /** A call whose worker died mid-flight is called again only when this is true. */
  idempotent: z.boolean().optional(),
  timeout_ms: z.number().int().min(100).max(300_000).optional(),
};
const described = {
  name: ToolNameSchema,
  description: z.string().max(4096).default(''),
  parameters: JsonSchemaValue.default(EMPTY_OBJECT_SCHEMA),
};

export const HttpToolSpecSchema = z.object({
  type: z.literal('http'),
  ...described,
  ...common,
  url: z.string().url().max(2048),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Operator-configured secret headers (ACE_TOOL_HEADERS_<PROFILE>): never literal secrets in a spec. */
  headers_profile: ProfileName.optional(),
});

export const LambdaToolSpecSchema = z.object({
  type: z.literal('lambda'),
  ...described,
  ...common,
  function_name: z.string().min(1).max(170),
});

export const McpToolSpecSchema = z.object({
  type: z.literal('mcp'),
  ...common,
  url: z.string().url().max(2048),
  allowed_tools: z.array(ToolNameSchema).max(200).optional(),
  headers_profile: ProfileName.optional(),
});

export const BuiltinToolSpecSchema = z.object({
  type: z.literal('builtin'),
  ...common,
  name: ToolNameSchema,
});

export const ToolSpecSchema = z.discriminatedUnion('type', [
  HttpToolSpecSchema,
  LambdaToolSpecSchema,
  McpToolSpecSchema,
  BuiltinToolSpecSchema,
]);
export type ToolSpec = z.infer<typeof ToolSpecSchema>;
export type HttpToolSpec = z.infer<typeof HttpToolSpecSchema>;
export type LambdaToolSpec = z.infer<typeof LambdaToolSpecSchema>;
export type McpToolSpec = z.infer<typeof McpToolSpecSchema>;
export type BuiltinToolSpec = z.infer<typeof BuiltinToolSpecSchema>;

export const DEFAULT_MAX_TURNS = 10;
export const DEFAULT_OUTPUT_RETRIES = 2;

/** What an agent entry says about acting: its tools, structured output and loop bound. */
export const AgentToolSettingsSchema = z.looseObject({
  tools: z.array(ToolSpecSchema).max(128).default([]),
  output_schema: JsonSchemaValue.optional().nullable(),
  max_turns: z.number().int().min(1).max(100).default(DEFAULT_MAX_TURNS),
  /** Structured output: how many times a bad answer is sent back with its validation errors. */
  max_retries: z.number().int().min(0).max(10).default(DEFAULT_OUTPUT_RETRIES),
});
export type AgentToolSettings = z.infer<typeof AgentToolSettingsSchema>;

export function toolSettingsOf(agent: Record<string, unknown>): AgentToolSettings {
  return AgentToolSettingsSchema.parse(agent);
}

/** Whether a call to `toolName`, offered by `spec`, needs a person's approval first. */
export function needsApproval(spec: ToolSpec, toolName: string): boolean {
  const rule = spec.needs_approval;
  if (rule === undefined || rule === false) return false;
  return rule === true || rule.includes(toolName);
}
