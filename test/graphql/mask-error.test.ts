import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/clients.js';
import { maskError } from '../../src/graphql/errors.js';

const logger = createLogger({ LOG_LEVEL: 'silent' });

describe('maskError', () => {
  it('an unexpected error masked twice (yoga, then the WebSocket operation) stays INTERNAL_SERVER_ERROR', () => {
    const once = maskError(new Error('the table is gone'), logger);
    const twice = maskError(once, logger);
    expect([once.message, once.extensions.code]).toEqual(['Unexpected error.', 'INTERNAL_SERVER_ERROR']);
    expect([twice.message, twice.extensions.code]).toEqual(['Unexpected error.', 'INTERNAL_SERVER_ERROR']);
  });
});
