import { builder } from '../builder.js';

builder.queryField('ping', (t) =>
  t.string({
    nullable: false,
    description: 'Liveness: answers "pong" with the server time.',
    resolve: () => `pong ${new Date().toISOString()}`,
  }),
);
