import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ValidationPlugin from '@pothos/plugin-validation';
import { ValidationError } from '../errors.js';
import type { GraphQLContext } from './context.js';

/** The one SchemaBuilder. It defines no types: those live in schema/<entity>.ts. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: string; Output: string };
  };
  DefaultFieldNullability: true;
}>({
  plugins: [ValidationPlugin, DataloaderPlugin],
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues
          .map((issue) => {
            const path = (issue.path ?? [])
              .map((p) => (typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p)))
              .join('.');
            return path ? `${path}: ${issue.message}` : issue.message;
          })
          .join('; '),
        { issues: result.issues.map((i) => ({ message: i.message })) },
      ),
  },
});

builder.queryType({});
builder.mutationType({});
