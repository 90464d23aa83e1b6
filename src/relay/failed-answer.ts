// Upstream answers a client cannot have as they came: an error, passed on with its secrets
// redacted; and a success whose body is not what the route returns (an HTML page, a binary blob
// on a JSON route), refused. Both are read only up to a bound: a real error is a few hundred
// bytes, and a hostile upstream's 200 MB "error" must not cost the isolate its memory.
import { ProxyError, errorTypeFor, openAiError } from '../errors';
import { clientResponseHeaders } from '../http/headers';
import { jsonResponse } from '../http/json-response';
import { redactErrorText, type Redactor } from '../http/redact';

/** Far more than any error OpenAI sends; past it, only the start is read (and shown, wrapped). */
const MAX_ERROR_BYTES = 64 * 1024;
/** How much of a body that is not an OpenAI error the wrapped message quotes. */
const EXCERPT_CHARS = 200;

/** The body's text up to `limit` bytes; `whole` is false when there was more, or it broke off. */
async function readText(upstream: Response, limit: number): Promise<{ text: string; whole: boolean }> {
  if (!upstream.body) return { text: '', whole: true };
  const decoder = new TextDecoder();
  const reader = upstream.body.getReader();
  let text = '';
  let size = 0;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const room = limit - size;
      size += next.value.byteLength;
      text += decoder.decode(next.value.subarray(0, room), { stream: true });
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return { text: text + decoder.decode(), whole: false };
      }
    }
    return { text: text + decoder.decode(), whole: true };
  } catch {
    return { text: text + decoder.decode(), whole: false };
  }
}

function isOpenAiError(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed;
  } catch {
    return false;
  }
}

/**
 * Redaction rewrites every form of a secret it can spell; a form it cannot (a mix of encodings)
 * withholds the whole text rather than let part of it through.
 */
function safeText(text: string, redactor: Redactor): string | undefined {
  const redacted = redactErrorText(text, redactor);
  return redactor.finds(redacted) ? undefined : redacted;
}

const WITHHELD =
  "The upstream's answer held a secret of this proxy in a form that could not be removed, so it is withheld.";

/** Upstream error bodies pass through (status, retry headers, body) with secrets redacted. */
export async function upstreamError(upstream: Response, redactor: Redactor): Promise<Response> {
  const { status } = upstream;
  const headers = clientResponseHeaders(upstream.headers, redactor);
  const read = await readText(upstream, MAX_ERROR_BYTES);
  const text = safeText(read.text, redactor);
  if (text !== undefined && read.whole && isOpenAiError(text)) return new Response(text, { status, headers });
  // A load balancer's HTML page is not something an SDK can show; wrap it in OpenAI's shape.
  const type = errorTypeFor(status);
  const error =
    text === undefined
      ? openAiError(WITHHELD, 'upstream_leaked_secret', { type })
      : openAiError(
          `The upstream answered ${status} without an OpenAI error body: ${text.slice(0, EXCERPT_CHARS)}`,
          'upstream_error',
          { type },
        );
  return jsonResponse(error, { status, headers });
}

/**
 * A success whose body is not one this route returns (an HTML page from something in front of
 * the provider, a stray binary type): an SDK could not read it, and the proxy could not check it
 * for secrets as it checks the answers it knows. The 502 to throw, quoting its start, redacted.
 */
export async function unexpectedAnswer(upstream: Response, redactor: Redactor): Promise<ProxyError> {
  const read = await readText(upstream, MAX_ERROR_BYTES);
  const text = safeText(read.text, redactor);
  const type = safeText(upstream.headers.get('content-type') ?? 'no type', redactor);
  if (text === undefined || type === undefined)
    return new ProxyError(502, 'upstream_leaked_secret', WITHHELD);
  const message = `The upstream answered ${upstream.status} with ${type.slice(0, 100)}, which this route never returns: ${text.slice(0, EXCERPT_CHARS)}`;
  return new ProxyError(502, 'upstream_error', message);
}
