// Reads a JSON request body within the size limit, keeping the exact bytes to forward, and checks
// it the way the upstream will read it: one object, no duplicate keys where they matter, and the
// fields the proxy decides on of the type the API documents.
import { ProxyError, badRequest } from '../errors';
import { concatBytes } from '../lib/bytes';
import { isObject } from '../lib/json';
import type { Route } from '../routes';
import { scanJsonBody } from './json-scan';
import { readFormFields } from './multipart';

export interface JsonBody {
  /** The bytes exactly as the client sent them; these go upstream. */
  readonly bytes: Uint8Array;
  /** The JSON object; for a form, the fields the proxy decides on, typed as in JSON. */
  readonly json: Readonly<Record<string, unknown>>;
  /** Byte offsets of the top-level `model` value, for rewriting it in place. */
  readonly modelSpan: readonly [number, number] | undefined;
  /** A multipart form (with its boundary), forwarded as it came; absent for JSON. */
  readonly formType?: string;
}

function tooLarge(limit: number): ProxyError {
  return new ProxyError(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes.`);
}

/** Reads at most `limit` bytes, refusing early on a declared or observed larger body. */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  // A declared length within the limit (HTTP framing holds the body to it): one native read.
  if (Number.isSafeInteger(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return bytes;
  }
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
  return concatBytes(chunks, size);
}

export function isStreamed(body: JsonBody): boolean {
  return body.json['stream'] === true;
}

/** The decoder keeps a byte order mark, so that a second one fails to parse rather than go upstream. */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A UTF-8 byte order mark is not JSON: some upstreams' parsers skip it and some refuse the body
 * (or read it otherwise), so the proxy reads and forwards the body without it.
 */
function withoutBom(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

export async function readJsonBody(request: Request, limit: number, route: Route): Promise<JsonBody> {
  const bytes = withoutBom(await readBytes(request, limit));
  if (bytes.byteLength === 0) {
    throw new ProxyError(400, 'invalid_json', 'Request body is empty; send a JSON object.');
  }
  const { modelSpan } = scanJsonBody(bytes);
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ProxyError(400, 'invalid_json', 'Request body is not valid UTF-8 JSON.');
  }
  if (!isObject(json)) throw new ProxyError(400, 'invalid_json', 'Request body must be a JSON object.');
  checkFieldTypes(json, route);
  return { bytes, json, modelSpan };
}

/** The form fields a multipart route decides on: its model, whether it streams, and what it costs. */
const FORM_FIELDS = ['model', 'stream', 'n', 'size', 'quality', 'response_format'];

/**
 * A multipart body read whole within the limit (a file over it is a 413 before anything is sent),
 * its decision fields typed as their JSON counterparts: `stream` a boolean, `n` an integer.
 */
export async function readFormBody(request: Request, limit: number): Promise<JsonBody> {
  const formType = request.headers.get('content-type') ?? '';
  const bytes = await readBytes(request, limit);
  const { fields, modelSpan } = readFormFields(bytes, formType, FORM_FIELDS);
  const json: Record<string, unknown> = { ...fields };
  if (fields['stream'] !== undefined) {
    if (fields['stream'] !== 'true' && fields['stream'] !== 'false') {
      throw badRequest(
        'invalid_type',
        `Invalid type for 'stream': expected a boolean, but got a string instead.`,
        'stream',
      );
    }
    json['stream'] = fields['stream'] === 'true';
  }
  if (fields['n'] !== undefined) {
    if (!/^\d{1,4}$/.test(fields['n'])) {
      throw badRequest(
        'invalid_type',
        `Invalid type for 'n': expected an integer, but got a string instead.`,
        'n',
      );
    }
    json['n'] = Number(fields['n']);
  }
  return { bytes, json, modelSpan, formType };
}

type Expected = 'a string' | 'a boolean' | 'an integer' | 'an object';

const TYPE_CHECKS: Readonly<Record<Expected, (value: unknown) => boolean>> = {
  'a string': (value) => typeof value === 'string',
  'a boolean': (value) => typeof value === 'boolean',
  'an integer': (value) => typeof value === 'number' && Number.isSafeInteger(value),
  'an object': isObject,
};

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function expect(value: unknown, expected: Expected, param: string): void {
  // `null` is how JSON clients leave an optional field unset; upstreams read it so too.
  if (value === undefined || value === null || TYPE_CHECKS[expected](value)) return;
  throw badRequest(
    'invalid_type',
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
  );
}

/**
 * The fields the proxy decides on must have the type the API documents: `n: "8"` counts as one
 * choice here but as eight for an upstream that coerces strings, so it is refused instead.
 */
function checkFieldTypes(json: Readonly<Record<string, unknown>>, route: Route): void {
  expect(json['model'], 'a string', 'model');
  expect(json['stream'], 'a boolean', 'stream');
  for (const field of [...route.choiceFields, ...route.outputFields])
    expect(json[field], 'an integer', field);
  const options = json['stream_options'];
  expect(options, 'an object', 'stream_options');
  if (isObject(options)) expect(options['include_usage'], 'a boolean', 'stream_options.include_usage');
}
