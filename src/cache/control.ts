// What the client's `cache-control` request header asks of the cache.

export interface CacheDirectives {
  /** May a stored entry be served? (`no-store` and `no-cache` say no.) */
  readonly read: boolean;
  /** May the fresh answer be stored? (`no-store` says no.) */
  readonly write: boolean;
  /** Oldest acceptable entry, in seconds (`max-age=N`). */
  readonly maxAgeSeconds?: number;
}

/**
 * Follows RFC 9111's request directives: `no-store` bypasses the cache entirely, `no-cache`
 * revalidates (here: always asks upstream, then stores the fresh answer), `max-age=N` bounds age.
 */
export function parseCacheControl(header: string | null): CacheDirectives {
  const directives = new Map<string, string>();
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, value = ''] = part.trim().split('=', 2);
    if (name) directives.set(name, value.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store')) return { read: false, write: false };
  if (directives.has('no-cache')) return { read: false, write: true };
  const maxAge = directives.get('max-age');
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) {
    return { read: true, write: true, maxAgeSeconds: Number(maxAge) };
  }
  return { read: true, write: true };
}
