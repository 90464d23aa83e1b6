// Relays an upstream Server-Sent Events body to the client byte for byte, on the runtime's native
// path: the client's branch of a `tee()` is the response body itself, so no JavaScript runs per
// chunk, and the proxy reads the other branch in batches for what it needs to know.
import { watchCopy } from './copy-watch';
import type { StreamLimits } from './idle';
import type { StreamEnding, Transcript } from './transcript';

export interface RelayOptions extends StreamLimits {
  /** Collects what the cache, the quota and the ledger need. */
  readonly transcript: Transcript;
  /**
   * Fires when the client goes away. Production Workers fire `request.signal` for it (the
   * `enable_request_signal` flag); Miniflare's dev server does not pass it on.
   */
  readonly clientGone: AbortSignal;
  /** Ends the upstream call, body included: for idle, too long and abandoned streams. */
  readonly stopUpstream: () => void;
  /**
   * Relay through a native pipe, whose failure tells a client's disconnect in every runtime. It
   * costs a copy per chunk; budgeted streams pay it, so an abandoned one is charged what it
   * relayed and its upstream is stopped at once even where `request.signal` never fires.
   */
  readonly piped: boolean;
}

export interface Relayed {
  readonly body: ReadableStream<Uint8Array>;
  /** How the stream ended, once it has. */
  readonly ended: Promise<StreamEnding>;
}

/**
 * Chunks reach the client as they arrive, unchanged. A disconnect is seen through `clientGone`
 * (and the pipe, when piped); an idle or overlong upstream is stopped, which ends the client's
 * stream where the upstream stopped: workerd aborts a native pipe's destination when its source
 * fails, so nothing can be appended without moving every chunk through JavaScript (the `checked`
 * relay, at about 3x this relay's CPU). See docs/streaming-and-cache.md.
 */
export function relayNative(upstream: ReadableStream<Uint8Array>, options: RelayOptions): Relayed {
  const [toClient, copy] = upstream.tee();
  if (!options.piped)
    return { body: toClient, ended: watchCopy(copy, { ...options, gone: options.clientGone }) };
  const { readable, writable } = new IdentityTransformStream();
  const pipeFailed = new AbortController();
  toClient.pipeTo(writable).catch(() => pipeFailed.abort());
  const gone = AbortSignal.any([options.clientGone, pipeFailed.signal]);
  return { body: readable, ended: watchCopy(copy, { ...options, gone }) };
}
