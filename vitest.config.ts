import { defineConfig } from 'vitest/config';

// Unit and component tests: in-process, real sockets on 127.0.0.1 port 0.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'exporters/**/*.test.ts', 'modules/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
