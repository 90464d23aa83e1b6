// Serves the playground at `GET /` when PLAYGROUND=true. When it is off the handler returns
// nothing, so itty-router moves on to the catch-all route and `/` stays an OpenAI-shaped 404.
import type { IRequest } from 'itty-router';
import { readConfig } from '../config/read';
import { PAGE, SCRIPT, STYLE } from './playground-page';

/** `'sha256-…'` of an inline block, exactly as the browser hashes the text between the tags. */
async function hashSource(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/**
 * The page may run only its own inline script and style (by hash, no 'unsafe-inline'), talk only
 * to this origin, and not be framed. Computed once per isolate from the very strings it serves.
 */
async function contentSecurityPolicy(): Promise<string> {
  return [
    "default-src 'self'",
    `script-src ${await hashSource(SCRIPT)}`,
    `style-src ${await hashSource(STYLE)}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

let headers: Promise<Record<string, string>> | undefined;

function pageHeaders(): Promise<Record<string, string>> {
  headers ??= contentSecurityPolicy().then((csp) => ({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  }));
  return headers;
}

/** Loopback only: a page fetched from another machine never carries the development key. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export async function playgroundHandler(request: IRequest, env: Env): Promise<Response | undefined> {
  const config = readConfig(env);
  if (!config.playground) return undefined;
  const devKey =
    config.playgroundDevKey !== undefined && isLoopback(request.url) ? config.playgroundDevKey : undefined;
  const meta = devKey === undefined ? '' : `<meta name="dev-key" content="${escapeAttribute(devKey)}">`;
  return new Response(PAGE.replace('<!--dev-key-->', meta), { headers: await pageHeaders() });
}
