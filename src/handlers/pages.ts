// The two pages, served from Workers Static Assets (`public/`) with the Worker deciding who may
// see them: the playground at `/` when PLAYGROUND=true, the dashboard at `/admin` when ADMIN_KEY
// is set. Otherwise both stay OpenAI-shaped 404s: the handlers return nothing and routing moves on.
import type { IRequest } from 'itty-router';
import type { Config } from '../config/read';
import type { RequestContext } from '../context/context';

/** Pages run only their own files from this origin, talk only to it, and are never framed. */
const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // The playground plays speech it fetched from this origin, as a blob: URL.
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

const pagesOn = (config: Config) => config.playground || config.adminKeyDigest !== undefined;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Loopback only: a page fetched from another machine never carries a development key. The Host
 * header alone is anyone's to write, so the connection's own address must be loopback too (the
 * dev server records it; `npm run dev` also injects keys only when it listens on loopback).
 */
function isLoopback(request: Request): boolean {
  const address = request.headers.get('cf-connecting-ip');
  return LOOPBACK.has(new URL(request.url).hostname) && (address === null || LOOPBACK.has(address));
}

async function asset(env: Env, request: Request, path: string): Promise<Response> {
  const stored = await env.ASSETS.fetch(new Request(new URL(path, request.url)));
  const response = new Response(stored.body, stored);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

/** Under `npm run dev`, on loopback, a page names a development key in a meta tag. */
function withDevKey(page: Response, name: 'dev-key' | 'dev-admin-key', key: string): Response {
  const content = key.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return new HTMLRewriter()
    .on('head', {
      element(head) {
        head.append(`<meta name="${name}" content="${content}">`, { html: true });
      },
    })
    .transform(page);
}

export async function playgroundPage(
  request: IRequest,
  { config, env }: RequestContext,
): Promise<Response | undefined> {
  if (!config.playground) return undefined;
  const page = await asset(env, request, '/playground');
  const devKey = config.playgroundDevKey;
  return devKey !== undefined && isLoopback(request) ? withDevKey(page, 'dev-key', devKey) : page;
}

export async function dashboardPage(
  request: IRequest,
  { config, env }: RequestContext,
): Promise<Response | undefined> {
  if (config.adminKeyDigest === undefined) return undefined;
  const page = await asset(env, request, '/admin');
  const devKey = config.dashboardDevKey;
  return devKey !== undefined && isLoopback(request) ? withDevKey(page, 'dev-admin-key', devKey) : page;
}

/** The pages' scripts and styles: nothing secret, but served only when a page is. */
export async function pageAssets(
  request: IRequest,
  { config, env }: RequestContext,
): Promise<Response | undefined> {
  if (!pagesOn(config)) return undefined;
  const response = await asset(env, request, new URL(request.url).pathname);
  return response.ok ? response : undefined;
}
