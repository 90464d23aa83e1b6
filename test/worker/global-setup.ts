// Starts the mock OpenAI upstream in Node for the tests that run inside workerd.
import type { TestProject } from 'vitest/node';
import { startMockUpstream } from '../mock-upstream/server.mjs';
import { quietProcessOutput } from '../quiet-runtime';

export const UPSTREAM_KEY = 'sk-test-upstream-secret-0123456789';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const restoreOutput = quietProcessOutput();
  project.provide('upstreamUrl', mock.url);
  project.provide('upstreamKey', UPSTREAM_KEY);
  return async () => {
    await mock.close();
    restoreOutput();
  };
}
