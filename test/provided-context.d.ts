// Values the global setup hands to the tests that run inside workerd.
import type { JWK } from 'jose';
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamUrl: string;
    upstreamKey: string;
    secondaryUrl: string;
    secondaryKey: string;
    azureUrl: string;
    azureKey: string;
    hostileUrl: string;
    /** The end-to-end suites' shared Worker (test/node/global-setup.ts). */
    sharedProxy: { baseURL: string; mockUrl: string };
    identityProvider: { url: string; keys: { rsa: JWK; ec: JWK; next: JWK } };
  }
}
