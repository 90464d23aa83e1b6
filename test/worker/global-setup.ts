// Starts the mock OpenAI upstream in Node for the tests that run inside workerd.
import type { TestProject } from 'vitest/node';
import { startMockUpstream } from '../mock-upstream/server.mjs';
import { startIdentityProvider } from '../jwks-server';
import { quietProcessOutput } from '../quiet-runtime';

export const UPSTREAM_KEY = 'sk-test-upstream-secret-0123456789';
/** Two more providers for routing and failover tests, each with its own key. */
const SECONDARY_KEY = 'gsk-test-secondary-secret-abcdef012345';
const AZURE_KEY = 'azure-test-api-key-0123456789abcdef';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, name: 'primary' });
  const secondary = await startMockUpstream({ apiKey: SECONDARY_KEY, name: 'secondary' });
  const azure = await startMockUpstream({ apiKey: AZURE_KEY, name: 'azure' });
  // Lists a model whose `owned_by` is the key it was called with: the catalogue must redact it.
  const hostile = await startMockUpstream({
    apiKey: UPSTREAM_KEY,
    name: 'hostile',
    extraModels: ['leak-key'],
  });
  const idp = await startIdentityProvider();
  const restoreOutput = quietProcessOutput();
  project.provide('upstreamUrl', mock.url);
  project.provide('upstreamKey', UPSTREAM_KEY);
  project.provide('secondaryUrl', secondary.url);
  project.provide('secondaryKey', SECONDARY_KEY);
  project.provide('azureUrl', azure.url);
  project.provide('azureKey', AZURE_KEY);
  project.provide('hostileUrl', hostile.url);
  project.provide('identityProvider', { url: idp.url, keys: idp.keys });
  return async () => {
    await Promise.all([mock.close(), secondary.close(), azure.close(), hostile.close(), idp.close()]);
    restoreOutput();
  };
}
