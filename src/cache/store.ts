// Reads and writes cache entries in Workers KV. KV is a cache, not a dependency: every failure
// or slow read is reported as a miss, and the request goes upstream as if nothing was stored.
import { logFailure } from '../errors';
import { withTimeout } from '../lib/time';

/** KV rejects values over 25 MiB. */
export const MAX_ENTRY_BYTES = 25 * 1024 * 1024;
/** A read slower than this is treated as a miss. */
const READ_TIMEOUT_MS = 2000;

export interface CacheEntry {
  readonly body: ArrayBuffer;
  readonly status: number;
  readonly contentType: string;
  /** Epoch milliseconds when the upstream answered. */
  readonly storedAt: number;
}

/** Stored in KV metadata (at most 1024 bytes), so one `getWithMetadata` returns everything. */
interface EntryMetadata {
  readonly v: 1;
  readonly status: number;
  readonly contentType: string;
  readonly storedAt: number;
}

function isEntryMetadata(value: unknown): value is EntryMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const meta = value as Record<string, unknown>;
  return (
    meta['v'] === 1 &&
    typeof meta['status'] === 'number' &&
    typeof meta['contentType'] === 'string' &&
    typeof meta['storedAt'] === 'number'
  );
}

export function readEntry(kv: KVNamespace, key: string): Promise<CacheEntry | undefined> {
  const read = kv
    .getWithMetadata<EntryMetadata>(key, 'arrayBuffer')
    .then(({ value, metadata }) =>
      value !== null && isEntryMetadata(metadata) ? { body: value, ...metadata } : undefined,
    )
    .catch((error: unknown) => {
      logFailure('cache_read_failed', error);
      return undefined;
    });
  return withTimeout(read, READ_TIMEOUT_MS, undefined);
}

export async function writeEntry(
  kv: KVNamespace,
  key: string,
  entry: CacheEntry,
  ttlSeconds: number,
): Promise<void> {
  if (entry.body.byteLength > MAX_ENTRY_BYTES) return;
  const metadata: EntryMetadata = {
    v: 1,
    status: entry.status,
    contentType: entry.contentType,
    storedAt: entry.storedAt,
  };
  try {
    await kv.put(key, entry.body, { expirationTtl: ttlSeconds, metadata });
  } catch (error) {
    logFailure('cache_write_failed', error);
  }
}
