// Relays an upstream Server-Sent Events body to the client byte for byte, on the runtime's native path.
import { watchStream, type WatchOutcome } from './watchdog';

export interface RelayOptions {
  /** Longest silence allowed between upstream chunks; 0 disables the watchdog. */
  readonly idleTimeoutMs: number;
  /** Keep a copy of up to this many bytes for the cache; 0 keeps none. */
  readonly keepBytes: number;
}

export interface Relay {
  readonly body: ReadableStream<Uint8Array>;
  /** How the stream ended, with its bytes when kept; `undefined` when nothing watches it. */
  readonly outcome: Promise<WatchOutcome | undefined>;
}

/**
 * Pipes `upstream` into a native identity transform: chunks reach the client as they arrive,
 * unchanged, and no JavaScript runs per chunk. A client that disconnects cancels the pipe, which
 * cancels the upstream body and closes its connection; an idle upstream is cancelled the same way.
 *
 * workerd's native pipe aborts its destination when the source fails, whatever `preventAbort`
 * says, so nothing can be appended after an upstream failure without moving every chunk through
 * JavaScript (measured at about 3x this relay's CPU, falling behind under load). The stream
 * therefore ends where the upstream broke; see the README's "Streaming" section.
 */
export function relayEventStream(upstream: ReadableStream<Uint8Array>, options: RelayOptions): Relay {
  const { readable, writable } = new IdentityTransformStream();
  const idle = new AbortController();
  const watched = options.idleTimeoutMs > 0 || options.keepBytes > 0;
  const [toClient, copy] = watched ? upstream.tee() : [upstream, undefined];
  const relayEnded = toClient.pipeTo(writable, { signal: idle.signal }).then(
    () => 'ok' as const,
    () => 'failed' as const,
  );
  const outcome = copy
    ? watchStream(copy, { ...options, relayEnded, onIdle: () => idle.abort() })
    : relayEnded.then(() => undefined);
  return { body: readable, outcome };
}
