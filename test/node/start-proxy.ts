// Starts the real Worker with wrangler's programmatic dev server, against a mock upstream.
import { unstable_startWorker } from 'wrangler';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.mjs';

export const UPSTREAM_KEY = 'sk-e2e-upstream-secret-abcdef0123456789';
export const CLIENT_KEY = 'e2e-client-key';
/** A key with a token budget in the shared proxy (test/node/global-setup.ts). */
export const BUDGET_KEY = 'e2e-budget-key';

export interface RunningProxy {
  /** The proxy's OpenAI base URL, ending in /v1. */
  readonly baseURL: string;
  readonly mock: MockUpstream;
  /** A second provider (mock name `secondary`, key SECONDARY_KEY), when asked for. */
  readonly secondary: MockUpstream | undefined;
  stop(): Promise<void>;
}

export const SECONDARY_KEY = 'gsk-e2e-secondary-secret-0123456789';

export interface MockSettings {
  /** Pause between the echo model's streamed words (default 0). */
  readonly wordDelayMs?: number;
  /**
   * Also start a second provider and configure both as UPSTREAMS: `primary` (claims `echo-*`)
   * and `secondary` (the catch-all), keys in PRIMARY_KEY and SECONDARY_KEY.
   */
  readonly twoUpstreams?: boolean;
}

export async function startProxy(
  vars: Record<string, string> = {},
  mockSettings: MockSettings = {},
): Promise<RunningProxy> {
  const mock = await startMockUpstream({
    apiKey: UPSTREAM_KEY,
    wordDelayMs: mockSettings.wordDelayMs,
    name: 'primary',
  });
  const secondary = mockSettings.twoUpstreams
    ? await startMockUpstream({
        apiKey: SECONDARY_KEY,
        wordDelayMs: mockSettings.wordDelayMs,
        name: 'secondary',
      })
    : undefined;
  const upstreams = secondary && {
    UPSTREAMS: JSON.stringify([
      { name: 'primary', baseUrl: mock.url, keyVar: 'PRIMARY_KEY', models: ['echo-*'] },
      { name: 'secondary', baseUrl: secondary.url, keyVar: 'SECONDARY_KEY' },
    ]),
    PRIMARY_KEY: UPSTREAM_KEY,
    SECONDARY_KEY,
  };
  const plain = (value: string) => ({ type: 'plain_text' as const, value });
  const settings: Record<string, string> = {
    OPENAI_BASE_URL: mock.url,
    OPENAI_API_KEY: UPSTREAM_KEY,
    PROXY_KEYS: CLIENT_KEY,
    ...upstreams,
    ...vars,
  };
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    envFiles: [],
    bindings: Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, plain(value)])),
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'error',
    },
  });
  await worker.ready;
  const url = await worker.url;
  return {
    baseURL: new URL('/v1', url).href,
    mock,
    secondary,
    async stop() {
      await worker.dispose();
      await Promise.all([mock.close(), secondary?.close()]);
    },
  };
}
