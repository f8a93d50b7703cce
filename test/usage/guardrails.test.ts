import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/governance/governance.js';
import { runLocalCheck } from '../../src/guardrails/checks.js';
import { GuardrailCheckSchema, GuardrailsSchema } from '../../src/guardrails/model.js';
import { findPii, ibanValid, luhnValid } from '../../src/guardrails/pii.js';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, tenantA } from '../support/env.js';

const check = (raw: unknown) => {
  const parsed = GuardrailCheckSchema.parse(raw);
  if (parsed.type === 'bedrock') throw new Error('local only');
  return parsed;
};

describe('built-in guardrail checks', () => {
  it('PII: emails, phones, cards (Luhn) and IBANs (mod 97) found and redacted; look-alikes left alone', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    const text =
      'Mail ann@example.com, call +1 415-555-0134, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00; order 4111 1111 1111 1112.';
    expect(findPii(text, ['email', 'phone', 'card', 'iban']).map((m) => m.kind)).toEqual([
      'email',
      'phone',
      'card',
      'iban',
    ]);
    const outcome = runLocalCheck(check({ type: 'pii', kinds: ['email', 'card', 'iban'] }), text, {});
    expect(outcome.redacted).toBe(
      'Mail [EMAIL], call +1 415-555-0134, card [CARD], IBAN [IBAN]; order 4111 1111 1111 1112.',
    );
  });

  it('deny_regex, max_length, output_schema, min_confidence', () => {
    expect(
      runLocalCheck(check({ type: 'deny_regex', patterns: ['secret\\w*'] }), 'the SecretSauce is', {})
        .findings,
    ).toHaveLength(1);
    expect(
      runLocalCheck(check({ type: 'deny_regex', patterns: ['secret'] }), 'nothing here', {}).findings,
    ).toEqual([]);
    expect(runLocalCheck(check({ type: 'max_length', max: 5 }), 'too long', {}).redacted).toBe('too l');
    const schema = { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } };
    expect(
      runLocalCheck(check({ type: 'output_schema' }), '{"answer": "x"}', { outputSchema: schema }).findings,
    ).toEqual([]);
    expect(
      runLocalCheck(check({ type: 'output_schema' }), '```json\n{"answer": 1}\n```', { outputSchema: schema })
        .findings[0]?.message,
    ).toMatch(/answer/);
    expect(runLocalCheck(check({ type: 'output_schema', schema }), 'not json', {}).findings[0]?.message).toBe(
      'is not JSON',
    );
    expect(
      runLocalCheck(check({ type: 'min_confidence', min: 0.7 }), '{"confidence": 0.9}', {}).findings,
    ).toEqual([]);
    expect(
      runLocalCheck(check({ type: 'min_confidence', min: 0.7 }), '{"confidence": 0.2}', {}).findings[0]
        ?.message,
    ).toMatch(/below 0.7/);
  });

  it('input checks can only block or redact: a clear validation error otherwise', () => {
    expect(GuardrailsSchema.safeParse({ input: [{ type: 'pii', action: 'escalate' }] }).success).toBe(false);
    expect(
      GuardrailsSchema.safeParse({
        input: [{ type: 'pii' }],
        output: [{ type: 'max_length', max: 3, action: 'retry' }],
      }).success,
    ).toBe(true);
  });
});

describe('guardrail actions in the procedure hub', () => {
  async function bedWith(agentFields: Record<string, unknown>, script: Record<string, unknown>) {
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables });
    const bed = await createDirectBed({ env, governance });
    const seeded = await seedTask(env, [
      { name: 'writer', script, extra: agentFields },
      { name: 'next', preds: ['writer'], script: { answer: 'got: {input}' } },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    await drain(bed);
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    const writer = agents.find((a) => a.agent_uuid === seeded.uuidOf('writer'));
    const events = await bed.eventLog.list(tenantA, session.session_uuid);
    return { env, bed, seeded, session, agents, writer, events };
  }

  it('redact: the PII never reaches the agent row, the run, the event log or the successor', async () => {
    const { env, session, agents, events, seeded } = await bedWith(
      { guardrails: { output: [{ type: 'pii' }] } },
      { answer: 'Reach me at bob@example.com or 4111 1111 1111 1111.' },
    );
    const stored = JSON.stringify([
      // agent_config is the scripted runtime's own configuration (it holds the answer to give): not data
      // that flowed; every field the answer could reach (output, input, the successor's) stays in.
      agents.map(({ agent_config: _config, ...row }) => row),
      events,
      await env.repos.sessionRuns.list(tenantA, { sessionUuid: session.session_uuid }),
      await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid),
    ]);
    expect(stored).not.toContain('bob@example.com');
    expect(stored).not.toContain('4111 1111 1111 1111');
    expect(agents.find((a) => a.agent_uuid === seeded.uuidOf('writer'))?.agent_output).toBe(
      'Reach me at [EMAIL] or [CARD].',
    );
    expect(events.some((e) => e.type === 'guardrail_findings' && e.data.verdict === 'redacted')).toBe(true);
  });

  it('block: the agent fails with the findings, the session fails fast', async () => {
    const { writer, events, env, seeded, session } = await bedWith(
      { guardrails: { output: [{ type: 'deny_regex', patterns: ['internal only'] }] } },
      { answer: 'This is INTERNAL ONLY data.' },
    );
    expect(writer?.state).toBe('failed');
    expect(writer?.notes).toMatch(/guardrail blocked the output: deny_regex/);
    expect(writer?.agent_output ?? null).toBeNull();
    expect(
      (await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid)).status,
    ).toBe('failed');
    expect(events.some((e) => e.type === 'guardrail_findings' && e.data.verdict === 'block')).toBe(true);
  });

  it('retry: the model is asked again with the findings, and the second answer passes', async () => {
    const { writer, bed } = await bedWith(
      { guardrails: { output: [{ type: 'max_length', max: 40, action: 'retry' }], max_retries: 2 } },
      {
        answers: [{ match: 'rejected by the output checks', answer: 'short answer' }],
        answer: 'a very long answer that goes on and on and on',
      },
    );
    expect(writer?.state).toBe('completed');
    expect(writer?.agent_output).toBe('short answer');
    expect(bed.runtime.stats.calls).toBe(3); // writer twice, next once
  });

  it('escalate: the agent waits for a person with the findings; approve and edit continue the session', async () => {
    const low = { guardrails: { output: [{ type: 'min_confidence', min: 0.8 }] } };
    const { writer, bed, env, seeded, session } = await bedWith(low, {
      answer: '{"answer": "maybe", "confidence": 0.4}',
    });
    expect(writer?.state).toBe('wait_for_user_input');
    expect(writer?.agent_output).toBe('{"answer": "maybe", "confidence": 0.4}');
    await expect(
      bed.hub.executeForUserInput(tenantA, {
        sessionUuid: session.session_uuid,
        sessionAgentUuid: writer!.session_agent_uuid,
        userInput: 'sure',
      }),
    ).rejects.toThrow(/needs a decision/);
    await bed.hub.executeForUserInput(tenantA, {
      sessionUuid: session.session_uuid,
      sessionAgentUuid: writer!.session_agent_uuid,
      userInput: JSON.stringify({ decision: 'edit', output: 'definitely' }),
    });
    await drain(bed);
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    expect(agents.find((a) => a.agent_uuid === seeded.uuidOf('writer'))?.agent_output).toBe('definitely');
    expect(agents.find((a) => a.agent_uuid === seeded.uuidOf('next'))?.agent_output).toContain('definitely');
    expect(
      (await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid)).status,
    ).toBe('completed');
  });
});
