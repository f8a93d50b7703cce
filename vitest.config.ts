import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One graphql module instance for Pothos (transformed by Vite) and yoga/envelop
  // (loaded by Node): both must get graphql's CommonJS entry (see CONVENTIONS.md).
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    server: { deps: { inline: [/@pothos\//] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
