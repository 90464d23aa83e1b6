// Joins identical requests that arrive while the first is still in flight in this isolate.
import { withTimeout } from '../lib/time';
import type { CacheEntry } from './store';

const pending = new Map<string, Promise<CacheEntry | undefined>>();

export interface Flight {
  /** Settles the flight: with the entry when the answer is cacheable, else with `undefined`. */
  land(entry: CacheEntry | undefined): void;
}

/**
 * How long a follower waits. A leader whose client vanished may never land its flight, and a
 * long stream may outlast this; either way the follower then simply asks upstream itself.
 */
const MAX_WAIT_MS = 30_000;

/** The in-flight answer for `key`, if another request is already fetching it. */
export function joinFlight(key: string): Promise<CacheEntry | undefined> | undefined {
  const landed = pending.get(key);
  return landed && withTimeout(landed, MAX_WAIT_MS, undefined);
}

/**
 * Registers this request as the one fetching `key`. Followers that join get the same entry;
 * if the answer is not cacheable they get `undefined` and go upstream themselves.
 */
export function startFlight(key: string): Flight {
  let resolve: (entry: CacheEntry | undefined) => void = () => undefined;
  const landed = new Promise<CacheEntry | undefined>((settle) => {
    resolve = settle;
  });
  pending.set(key, landed);
  return {
    land(entry) {
      if (pending.get(key) === landed) pending.delete(key);
      resolve(entry);
    },
  };
}
