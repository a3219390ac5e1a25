import { configDefaults, defineConfig } from 'vitest/config';

// With TEST_DATABASE_URL set, the database-level suites (test/db, test/e2e) run
// a second time against that PostgreSQL server (the dashboard's browser tests
// apart); everything runs on PGlite.
const serverUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // Server-process tests boot Next.js and a database; on a loaded 2-core CI machine that alone can take 30 s.
    testTimeout: 90_000,
    // A page or a job answers in well under a second alone, and in seconds on that machine with both workers busy.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 180_000,
    pool: 'forks',
    // Jobs run in the built-in runner even if the shell has Inngest variables set.
    env: { ARCHON_RUNNER: 'local', LOG_LEVEL: 'silent' },
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: { name: 'pglite', include: ['test/**/*.test.ts'], env: { ARCHON_TEST_DB: 'pglite' } },
      },
      ...(serverUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['test/db/**/*.test.ts', 'test/e2e/**/*.test.ts'],
                // The browser tests drive the pages over the same API, which test/db and the other end-to-end tests
                // check on both databases; run once, on the embedded default, they keep CI within its time.
                exclude: [...configDefaults.exclude, 'test/e2e/dashboard-*.test.ts'],
                env: { ARCHON_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
