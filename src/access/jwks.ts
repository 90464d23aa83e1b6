// An identity provider's published keys (its JWKS), cached per isolate. jose picks the key and
// checks the signature; this module decides when to fetch: as the provider's cache-control says
// (within bounds), again for an unknown key id at most once per cool-down, and never so that a
// provider outage stops tokens signed with keys already known.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { logFailure } from '../errors';

/** How long a fetched JWKS is used: the provider's max-age, kept within these bounds. */
const MIN_MAX_AGE_S = 60;
const MAX_MAX_AGE_S = 86_400;
const DEFAULT_MAX_AGE_S = 600;
const FETCH_TIMEOUT_MS = 5_000;
/** A provider that failed is asked again no sooner than this, whatever the cool-down. */
const RETRY_AFTER_FAILURE_MS = 10_000;

type GetKey = JWTVerifyGetKey;
type Header = Parameters<GetKey>[0];
type Token = Parameters<GetKey>[1];

interface Snapshot {
  readonly resolve: GetKey;
  readonly expires: number;
}

/** max-age from a cache-control header, clamped; the default when the provider says nothing. */
export function maxAgeSeconds(cacheControl: string | null): number {
  const match = /(?:^|,)\s*(?:s-)?max-age\s*=\s*"?(\d+)/i.exec(cacheControl ?? '');
  const seconds = match ? Number(match[1]) : DEFAULT_MAX_AGE_S;
  return Math.min(MAX_MAX_AGE_S, Math.max(MIN_MAX_AGE_S, seconds));
}

class RemoteKeys {
  private snapshot: Snapshot | undefined;
  private lastAttempt = 0;
  private inFlight: Promise<void> | undefined;

  /** Tokens with unknown key ids may trigger a refetch at most once per `cooldownMs`. */
  constructor(
    private readonly url: string,
    private readonly cooldownMs: number,
  ) {}

  /** The key for a token's header, as jose's `jwtVerify` asks for it. */
  readonly getKey = async (header: Header, token: Token) => {
    if (!this.snapshot || Date.now() > this.snapshot.expires) await this.refresh();
    try {
      return await this.current().resolve(header, token);
    } catch (error) {
      const unknownKid = (error as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!unknownKid) throw error;
      // A rotated key: a fetch already running may bring it, so wait for that one; else look once
      // more if the cool-down allows, then give up.
      if (!this.inFlight && Date.now() - this.lastAttempt < this.cooldownMs) throw error;
      await this.refresh();
      return this.current().resolve(header, token);
    }
  };

  private current(): Snapshot {
    if (!this.snapshot)
      throw Object.assign(new Error('The identity provider’s keys are unavailable.'), {
        code: 'ERR_JWKS_UNAVAILABLE',
      });
    return this.snapshot;
  }

  /**
   * One fetch at a time; a failed fetch keeps the keys already known (they may be stale). With
   * none known yet, a provider that just failed is not asked again before RETRY_AFTER_FAILURE_MS.
   */
  private refresh(): Promise<void> {
    // Requests that come while a fetch runs wait for it: at a cold start, a burst of sign-ins.
    if (this.inFlight) return this.inFlight;
    if (!this.snapshot && this.lastAttempt > 0 && Date.now() - this.lastAttempt < RETRY_AFTER_FAILURE_MS) {
      return Promise.resolve();
    }
    this.inFlight = this.fetchKeys().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = Date.now();
    try {
      const response = await fetch(this.url, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'manual',
      });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const jwks = (await response.json()) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error('JWKS has no "keys" array');
      const maxAge = maxAgeSeconds(response.headers.get('cache-control'));
      this.snapshot = { resolve: createLocalJWKSet(jwks), expires: Date.now() + maxAge * 1000 };
    } catch (error) {
      logFailure('jwks_fetch_failed', error);
      // Keep verifying with what we had; try again no sooner than the cool-down.
      const retryMs = Math.max(this.cooldownMs, RETRY_AFTER_FAILURE_MS);
      if (this.snapshot) this.snapshot = { ...this.snapshot, expires: Date.now() + retryMs };
    }
  }
}

const byUrl = new Map<string, RemoteKeys>();

/**
 * The key resolver for a JWKS URL, shared by every request in this isolate. A token with an
 * unknown key id refetches at most once per `cooldownSeconds` (JWKS_COOLDOWN_SECONDS), so a
 * flood of made-up key ids cannot hammer the provider.
 */
export function remoteKeys(url: string, cooldownSeconds: number): GetKey {
  const id = `${cooldownSeconds} ${url}`;
  let keys = byUrl.get(id);
  if (!keys) {
    keys = new RemoteKeys(url, cooldownSeconds * 1000);
    byUrl.set(id, keys);
  }
  return keys.getKey;
}
