import { builder } from '../builder.js';

builder.scalarType('JSON', {
  description: 'Any JSON value. Map keys are camelCase here and snake_case in storage.',
  serialize: (value) => value,
  parseValue: (value) => value,
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 UTC timestamp (`2024-05-01T10:00:00.000Z`).',
  // PynamoDB wrote `2024-05-01T10:00:00.000000+0000`: one format out, whichever engine wrote the row.
  serialize: (value) => {
    const text = String(value);
    const time = Date.parse(text);
    return Number.isNaN(time) ? text : new Date(time).toISOString();
  },
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      throw new TypeError('DateTime must be ISO-8601');
    return value;
  },
});
