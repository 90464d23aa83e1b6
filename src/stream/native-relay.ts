// Relays an upstream Server-Sent Events body to the client byte for byte, on the runtime's native path.
import { watchCopy } from './tee-watch';
import type { StreamEnding, Transcript } from './transcript';

export interface RelayOptions {
  /** Longest silence allowed between upstream chunks; 0 disables the timeout. */
  readonly idleTimeoutMs: number;
  /** Collects what the cache and the quota need; absent when nobody needs anything. */
  readonly transcript?: Transcript | undefined;
}

export interface Relayed {
  readonly body: ReadableStream<Uint8Array>;
  /** How the stream ended, once it has. */
  readonly ended: Promise<StreamEnding>;
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
export function relayNative(upstream: ReadableStream<Uint8Array>, options: RelayOptions): Relayed {
  const { readable, writable } = new IdentityTransformStream();
  const stop = new AbortController();
  const watched = options.idleTimeoutMs > 0 || options.transcript !== undefined;
  const [toClient, copy] = watched ? upstream.tee() : [upstream, undefined];
  const piped = toClient.pipeTo(writable, { signal: stop.signal }).then(
    () => true,
    () => false,
  );
  const ended = copy
    ? watchCopy(copy, { ...options, piped, stopPipe: () => stop.abort() })
    : piped.then((ok) => ({
        end: ok ? ('done' as const) : ('broken' as const),
        complete: false,
        generatedChars: 0,
      }));
  return { body: readable, ended };
}
