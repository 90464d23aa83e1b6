// Relays an upstream Server-Sent Events body to the client byte for byte, on the runtime's native path.
import { watchStream, type WatchOutcome } from './watchdog';

const encoder = new TextEncoder();

/**
 * The event that ends a broken stream. The leading blank line terminates any half-written event,
 * and a `data:` payload with an `error` key makes the openai SDKs throw instead of returning a
 * truncated answer as if it were complete.
 */
export function streamErrorEvent(message: string): Uint8Array {
  const error = { message, type: 'server_error', param: null, code: 'stream_interrupted' };
  return encoder.encode(`\n\ndata: ${JSON.stringify({ error })}\n\n`);
}

export interface RelayOptions {
  /** Longest silence allowed between upstream chunks; 0 disables the watchdog. */
  readonly idleTimeoutMs: number;
}

export interface Relay {
  readonly body: ReadableStream<Uint8Array>;
  /** How the stream ended, with its bytes when it completed; `undefined` when not watched. */
  readonly outcome: Promise<WatchOutcome | undefined>;
}

const BROKEN = 'The upstream connection was lost before the response was complete.';

/**
 * Pipes `upstream` into a native identity transform: chunks reach the client as they arrive,
 * unchanged, and JavaScript runs only when the stream ends or fails. A client that disconnects
 * cancels the pipe, which cancels the upstream body and closes its connection.
 */
export function relayEventStream(upstream: ReadableStream<Uint8Array>, options: RelayOptions): Relay {
  const { readable, writable } = new IdentityTransformStream();
  const idle = new AbortController();
  const [toClient, copy] =
    options.idleTimeoutMs > 0 ? upstream.tee() : [upstream, undefined];
  const relayEnded = toClient
    .pipeTo(writable, { preventAbort: true, signal: idle.signal })
    .then(
      () => 'ok' as const,
      async () => {
        const message = idle.signal.aborted
          ? `The upstream sent nothing for ${options.idleTimeoutMs} ms (STREAM_IDLE_TIMEOUT_MS).`
          : BROKEN;
        await endWithError(writable, message);
        return 'failed' as const;
      },
    );
  const outcome = copy
    ? watchStream(copy, {
        idleTimeoutMs: options.idleTimeoutMs,
        relayEnded,
        onIdle: () => idle.abort(),
      })
    : relayEnded.then(() => undefined);
  return { body: readable, outcome };
}

async function endWithError(writable: WritableStream<Uint8Array>, message: string): Promise<void> {
  // When the client itself went away the writable is errored and there is nobody to tell.
  try {
    const writer = writable.getWriter();
    await writer.write(streamErrorEvent(message));
    await writer.close();
  } catch {
    /* client disconnected */
  }
}
