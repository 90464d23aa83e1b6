// The cache key: what makes two requests "the same request".
import { hex, sha256 } from '../lib/bytes';

/**
 * JSON with object keys sorted at every level, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }`
 * serialise identically. Arrays keep their order: message order is meaning.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface CacheKeyParts {
  readonly route: string;
  /** The upstreams and aliases the answer may come from (names and URLs, never keys). */
  readonly routing: string;
  /** Whose entries these are: a client key's id, or `shared`. Never a key in clear. */
  readonly scope: string;
  /** A streamed and a non-streamed request never share an entry. */
  readonly mode: 'json' | 'sse';
  /** The client headers forwarded upstream (`openai-beta` changes the answer). */
  readonly headers: readonly string[];
  readonly body: unknown;
}

/** SHA-256 over every part, each length-prefixed so no two part lists can collide by concatenation. */
export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  const fields = [
    'v2',
    parts.route,
    parts.routing,
    parts.scope,
    parts.mode,
    parts.headers.join('\n'),
    canonicalJson(parts.body),
  ];
  const material = fields.map((field) => `${field.length}:${field}`).join('\n');
  return hex(await sha256(material));
}
