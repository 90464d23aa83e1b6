// An upstream base URL, as OPENAI_BASE_URL or an UPSTREAMS entry gives it.
import { ConfigError } from './values';

interface Where {
  /** The variable a bad value is reported under. */
  readonly variable: string;
  /** How the message names the value, e.g. `OPENAI_BASE_URL` or `UPSTREAMS entry 2 (groq): "baseUrl"`. */
  readonly label: string;
}

/** An absolute http(s) URL without credentials, query or fragment, and without a trailing slash. */
export function parseBaseUrl(value: string, where: Where): string {
  const fail = (rule: string) => new ConfigError(where.variable, `${where.label} ${rule}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail('must be an absolute http(s) URL such as https://api.openai.com/v1.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('must use http or https.');
  // Credentials or a query in the URL would be forwarded on every request and could leak.
  if (url.username || url.password || url.search || url.hash) {
    throw fail('must not contain credentials, a query or a fragment.');
  }
  return url.href.replace(/\/+$/, '');
}
