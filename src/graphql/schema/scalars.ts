import { builder } from '../builder.js';

builder.scalarType('JSON', {
  description: 'Any JSON value. Map keys are camelCase here and snake_case in storage.',
  serialize: (value) => value,
  parseValue: (value) => value,
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 UTC timestamp as stored.',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new TypeError('DateTime must be ISO-8601');
    return value;
  },
});
