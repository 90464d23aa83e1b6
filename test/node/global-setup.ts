// One running Worker (wrangler's dev server) and mock upstream, shared by the end-to-end files
// whose tests can run side by side against the same configuration: starting one takes seconds.
import type { TestProject } from 'vitest/node';
import { BUDGET_KEY, CLIENT_KEY, startProxy } from './start-proxy';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A second key with a token budget: its streams take the piped relay, which sees a client
  // leave under Miniflare too (request.signal is only passed on in production).
  const proxy = await startProxy({
    STREAM_IDLE_TIMEOUT_MS: '1500',
    PROXY_KEYS: `${CLIENT_KEY}, ${BUDGET_KEY} tpd=100000000`,
  });
  project.provide('sharedProxy', { baseURL: proxy.baseURL, mockUrl: proxy.mock.url });
  return () => proxy.stop();
}
