// Starts the real Worker with wrangler's programmatic dev server, against a mock upstream.
import { unstable_startWorker } from 'wrangler';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.mjs';

export const UPSTREAM_KEY = 'sk-e2e-upstream-secret-abcdef0123456789';
export const CLIENT_KEY = 'e2e-client-key';

export interface RunningProxy {
  /** The proxy's OpenAI base URL, ending in /v1. */
  readonly baseURL: string;
  readonly mock: MockUpstream;
  stop(): Promise<void>;
}

export interface MockSettings {
  /** Pause between the echo model's streamed words (default 0). */
  readonly wordDelayMs?: number;
}

export async function startProxy(
  vars: Record<string, string> = {},
  mockSettings: MockSettings = {},
): Promise<RunningProxy> {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, wordDelayMs: mockSettings.wordDelayMs });
  const plain = (value: string) => ({ type: 'plain_text' as const, value });
  const settings: Record<string, string> = {
    OPENAI_BASE_URL: mock.url,
    OPENAI_API_KEY: UPSTREAM_KEY,
    PROXY_KEYS: CLIENT_KEY,
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
    async stop() {
      await worker.dispose();
      await mock.close();
    },
  };
}
