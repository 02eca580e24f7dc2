import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@': path.join(root, 'src'),
      // The real module throws outside a React Server Components build; tests import server modules directly.
      'server-only': path.join(root, 'test/support/server-only.ts'),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'components',
          environment: 'jsdom',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: ['test/e2e/**', 'test/server/**'],
          setupFiles: ['test/support/setup-dom.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'server', environment: 'node', include: ['test/server/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          // One browser file at a time: each starts a gateway, the console and Chromium, and the first may build the
          // console, which two files must not do at once.
          fileParallelism: false,
          testTimeout: 60_000,
          // Starting the stack may include a `next build` when the sources changed since the last one.
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
