import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and component tests: in-process, real sockets on 127.0.0.1 port 0.
export default defineConfig({
  // Modules outside the repo import the SDK as `mgrd/module`: from source here, as the compiled manager resolves it from dist.
  resolve: { alias: { 'mgrd/module': fileURLToPath(new URL('./src/mgr-module/index.ts', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts', 'exporters/**/*.test.ts', 'modules/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
