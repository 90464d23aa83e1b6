// The SSE event that tells a client its stream broke, in a form the openai SDKs raise on.

const encoder = new TextEncoder();

/**
 * The leading blank line terminates any half-written event; a `data:` payload with an `error`
 * key makes the SDKs throw instead of returning a truncated answer as if it were complete.
 */
export function streamErrorEvent(cause: 'idle' | 'broken'): Uint8Array {
  const message =
    cause === 'idle'
      ? 'The upstream stopped sending (STREAM_IDLE_TIMEOUT_MS); the response is incomplete.'
      : 'The upstream connection was lost before the response was complete.';
  const error = { message, type: 'server_error', param: null, code: 'stream_interrupted' };
  return encoder.encode(`\n\ndata: ${JSON.stringify({ error })}\n\n`);
}
