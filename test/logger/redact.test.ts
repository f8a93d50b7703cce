import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ LOG_LEVEL: 'info' }, stream) };
}

describe('log redaction', () => {
  it('never writes authorization headers, tokens, API keys or secrets', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer eyJ.secret.jwt', 'x-api-key': 'k-123', cookie: 'c=1' },
        token: 'tok-456',
        settings: { apiKey: 'sk-789', JWT_SECRET: 'hs-secret-0000000' },
        answer: { SecretString: '{"ACE_OPENAI_API_KEY":"sk-abc"}' },
        request: { config: { password: 'pw-1' } },
        kept: 'visible',
      },
      'an event',
    );
    const line = lines.join('');
    for (const secret of [
      'eyJ.secret.jwt',
      'k-123',
      'c=1',
      'tok-456',
      'sk-789',
      'hs-secret',
      'sk-abc',
      'pw-1',
    ])
      expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
    expect(JSON.parse(line).kept).toBe('visible');
  });
});
