// Hand-written types for hostile.mjs (plain JS so Node runs it without a build step).

/** The key written in `form` ('verbatim', 'json-escape', 'url', 'base64', 'base64-bearer', 'base64-offset-1', 'base64-offset-2'). */
export function leakedForm(key: string, form: string): string;

/** `x_mock: { scenario: 'leak', form, where: 'headers' | 'body' | 'stream', status }`: answers with the received key. */
export function sendLeak(
  res: import('node:http').ServerResponse,
  x: Record<string, any>,
  key: string,
  headers: Record<string, string | string[]>,
): void;

/** `x_mock: { scenario: 'redirect', status, location }`: a redirect the proxy must not follow. */
export function sendRedirect(
  res: import('node:http').ServerResponse,
  x: Record<string, any>,
  headers: Record<string, string | string[]>,
): void;
