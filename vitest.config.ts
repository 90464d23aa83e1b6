// Two suites: `worker` runs inside workerd (the real runtime) against the mock upstream;
// `node` starts the Worker the way users do and drives it with real clients (the openai SDK).
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/worker/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
