import { describe, expect, it } from 'vitest';
import { createBedrockGuardrail } from '../../src/guardrails/bedrock-guardrail.js';
import { evaluate } from '../../src/guardrails/evaluate.js';
import { GuardrailCheckSchema } from '../../src/guardrails/model.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { startH2Server } from '../runtimes/support/eventstream-server.js';

describe('Bedrock Guardrails through ApplyGuardrail (real client, local server speaking its API)', () => {
  it('sends the text with its source; an intervention is a finding, the masked text the redaction', async () => {
    const server = await startH2Server((req, res) => {
      const text = ((req.json as { content: { text: { text: string } }[] }).content[0]?.text.text ??
        '') as string;
      const intervened = text.includes('Bob');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          usage: {
            topicPolicyUnits: 1,
            contentPolicyUnits: 1,
            wordPolicyUnits: 0,
            sensitiveInformationPolicyUnits: 1,
          },
          action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
          outputs: intervened ? [{ text: text.replace('Bob', '{NAME}') }] : [],
          assessments: intervened
            ? [
                {
                  sensitiveInformationPolicy: {
                    piiEntities: [{ match: 'Bob', type: 'NAME', action: 'ANONYMIZED' }],
                  },
                },
              ]
            : [],
        }),
      );
    });
    try {
      const apply = createBedrockGuardrail({
        credentials: envCredentials({ ACE_BEDROCK_BASE_URL: server.url }),
        clientConfig: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
      });
      const check = GuardrailCheckSchema.parse({
        type: 'bedrock',
        guardrail_identifier: 'gr-123',
        guardrail_version: '2',
        action: 'redact',
      });
      const flagged = await evaluate([check], 'Ask Bob.', 'output', { bedrock: apply });
      const clean = await evaluate([check], 'Nothing here.', 'input', { bedrock: apply });
      expect(flagged).toMatchObject({ verdict: 'redacted', text: 'Ask {NAME}.' });
      expect(flagged.findings[0]).toMatchObject({ check: 'bedrock', kind: 'sensitiveInformationPolicy' });
      expect(clean).toEqual({ verdict: 'pass', findings: [], text: 'Nothing here.' });
      expect(server.requests[0]?.path).toBe('/guardrail/gr-123/version/2/apply');
      expect(server.requests.map((r) => (r.json as { source: string }).source)).toEqual(['OUTPUT', 'INPUT']);
    } finally {
      await server.close();
    }
  });
});
