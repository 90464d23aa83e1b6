// Reads a JSON request body within the size limit, keeping the exact bytes to forward.
import { ProxyError } from '../errors';
import { QUOTE, closesScope, opensScope, stringEnd } from './json-bytes';

export interface JsonBody {
  /** The bytes exactly as the client sent them; these go upstream. */
  readonly bytes: Uint8Array;
  readonly json: Readonly<Record<string, unknown>>;
}

function tooLarge(limit: number): ProxyError {
  return new ProxyError(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes.`);
}

/** Reads at most `limit` bytes, refusing early on a declared or observed larger body. */
async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(next.value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export function isStreamed(body: JsonBody): boolean {
  return body.json['stream'] === true;
}

/** Far deeper than any real request; deeper input only exists to exhaust a parser's stack. */
const MAX_DEPTH = 64;

/** How deeply arrays and objects nest, counting only brackets outside strings; stops past `max`. */
function nestingDepth(bytes: Uint8Array, max: number): number {
  let depth = 0;
  for (let index = 0; index < bytes.length; index++) {
    if (bytes[index] === QUOTE) index = stringEnd(bytes, index) - 1;
    else if (opensScope(bytes[index]) && ++depth > max) return depth;
    else if (closesScope(bytes[index])) depth--;
  }
  return depth;
}

export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  const bytes = await readBytes(request, limit);
  if (bytes.byteLength === 0) {
    throw new ProxyError(400, 'invalid_json', 'Request body is empty; send a JSON object.');
  }
  if (nestingDepth(bytes, MAX_DEPTH) > MAX_DEPTH) {
    throw new ProxyError(400, 'invalid_json', `Request body nests deeper than ${MAX_DEPTH} levels.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new ProxyError(400, 'invalid_json', 'Request body is not valid UTF-8 JSON.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProxyError(400, 'invalid_json', 'Request body must be a JSON object.');
  }
  return { bytes, json: json as Record<string, unknown> };
}
