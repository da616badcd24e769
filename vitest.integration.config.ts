import { defineConfig } from 'vitest/config';

// Integration tests: real external servers (Prometheus, promtool) and the built CLI.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
