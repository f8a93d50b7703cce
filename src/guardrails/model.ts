import * as z from 'zod';

export const GuardrailActionSchema = z.enum(['block', 'redact', 'retry', 'escalate']);
export type GuardrailAction = z.infer<typeof GuardrailActionSchema>;

const action = (fallback: GuardrailAction) => GuardrailActionSchema.default(fallback);

export const PiiKindSchema = z.enum(['email', 'phone', 'card', 'iban']);
export type PiiKind = z.infer<typeof PiiKindSchema>;

/** One check of an agent's input or output, with what to do when it finds something. */
export const GuardrailCheckSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('deny_regex'),
    patterns: z.array(z.string().min(1).max(1000)).min(1).max(100),
    /** Regular-expression flags besides `g` (e.g. `i`). */
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .default('i'),
    action: action('block'),
  }),
  z.object({
    type: z.literal('pii'),
    kinds: z.array(PiiKindSchema).min(1).default(['email', 'phone', 'card', 'iban']),
    action: action('redact'),
  }),
  z.object({ type: z.literal('max_length'), max: z.number().int().min(1), action: action('block') }),
  z.object({
    type: z.literal('output_schema'),
    /** A JSON Schema; the agent's `output_schema` when absent. */
    schema: z.looseObject({}).optional(),
    action: action('retry'),
  }),
  z.object({
    type: z.literal('min_confidence'),
    min: z.number().min(0).max(1),
    /** Dot path of the confidence in the JSON answer. */
    path: z.string().min(1).max(200).default('confidence'),
    action: action('escalate'),
  }),
  z.object({
    type: z.literal('bedrock'),
    guardrail_identifier: z.string().min(1).max(2048),
    guardrail_version: z.string().min(1).max(64),
    /** Credentials profile and region of the Bedrock runtime (as for Bedrock agents). */
    credentials: z.string().max(128).optional(),
    region: z.string().max(64).optional(),
    action: action('block'),
  }),
]);
export type GuardrailCheck = z.infer<typeof GuardrailCheckSchema>;

const inputActionOnly = (checks: GuardrailCheck[]) =>
  checks.every((c) => c.action === 'block' || c.action === 'redact');

/**
 * An agent's (or a coordination's default) guardrails. Input checks run
 * before the model sees the input and may block or redact; output checks run
 * on the answer before anyone sees or stores it.
 */
export const GuardrailsSchema = z.object({
  input: z
    .array(GuardrailCheckSchema)
    .max(20)
    .default([])
    .refine(
      inputActionOnly,
      'input checks can only block or redact (there is no answer to retry or escalate)',
    ),
  output: z.array(GuardrailCheckSchema).max(20).default([]),
  /** `retry`: how many times the model is asked again with the findings before the agent fails. */
  max_retries: z.number().int().min(0).max(5).default(1),
  /**
   * How streamed output is held back: `answer` (until the whole answer passed)
   * or `paragraph` (each paragraph released once it passed the checks that can
   * judge a part: deny_regex, pii, max_length).
   */
  stream_checkpoint: z.enum(['answer', 'paragraph']).default('answer'),
});
export type Guardrails = z.infer<typeof GuardrailsSchema>;

export interface Finding {
  readonly check: GuardrailCheck['type'];
  readonly action: GuardrailAction;
  readonly message: string;
  /** PII kind, pattern, Bedrock policy... */
  readonly kind?: string;
}

/** What one check says about a text: its findings and, for `redact`, the text with them masked. */
export interface CheckOutcome {
  readonly findings: readonly Finding[];
  readonly redacted?: string;
}
