import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/ui/**/*.test.tsx', 'test/ui/**/*.test.ts'],
          environment: 'node',
          // cli.test.ts and the pty tests run dist/v6wall.js: built here when missing or stale.
          globalSetup: ['test/support/build-cli.ts'],
          // A screen whose list items share a React key fails (React only warns).
          setupFiles: ['test/support/react-warnings.setup.ts'],
          // The watchdog tests spawn real detached processes and wait for real deadlines.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          environment: 'node',
          // One lab at a time: each brings up namespaces and a dockerd, and the machine has 2 cores.
          fileParallelism: false,
          // Each lab file must leave the machine's own files and firewall as they were.
          setupFiles: ['test/lab/machine-untouched.setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
