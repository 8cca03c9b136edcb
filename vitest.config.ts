import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/test/**/*.test.ts', 'server/test/**/*.test.ts', 'client-sdk/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    // Test files share one Postgres and one Redis; each file uses its own schema and key prefix.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // builds the exam page and proctor dashboard once, for the browser tests and the server to serve
    globalSetup: ['./vitest.global-setup.ts'],
  },
});
