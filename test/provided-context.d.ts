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
    identityProvider: { url: string; keys: { rsa: JWK; ec: JWK; next: JWK } };
  }
}
