// Two suites: `worker` runs inside workerd (the real runtime) against the mock upstream;
// `node` starts the Worker the way users do and drives it with real clients (the openai SDK).
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { isRuntimeNoise } from './test/quiet-runtime.ts';

export default defineConfig({
  test: {
    // wrangler's dev server (the node suites) logs through console.error in the test process.
    // The proxy's own per-request log line is its normal output, not a finding: the tests that
    // check it spy on console.log.
    onConsoleLog: (log) => !isRuntimeNoise(log) && !/^\{"level":"\w+","event":"request"/.test(log),
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                OPENAI_BASE_URL: inject('upstreamUrl'),
                OPENAI_API_KEY: inject('upstreamKey'),
                PROXY_KEYS: 'client-key-1,client-key-2',
                // Quota tests set their own limits; the shared test keys must never hit one.
                REQUESTS_PER_MINUTE: '0',
                // The ledger batches for up to a second after each answer; only its own tests turn it on.
                USAGE_LEDGER: 'false',
                USAGE_FLUSH_MS: '0',
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          // One isolate for every file: each file starting its own costs more than its tests.
          // Tests keep to their own keys, tags and upstream names, so nothing leaks between them.
          isolate: false,
          // The node suites time real streams; they run after this one, not against its load.
          sequence: { groupOrder: 0 },
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/worker/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'node',
          sequence: { groupOrder: 1 },
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/node/global-setup.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
