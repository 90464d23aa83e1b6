// The two pages, served from Workers Static Assets (`public/`) with the Worker deciding who may
// see them: the playground at `/` when PLAYGROUND=true, the dashboard at `/admin` when ADMIN_KEY
// is set. Otherwise both stay OpenAI-shaped 404s: the handlers return nothing and routing moves on.
import type { IRequest } from 'itty-router';
import { readConfig, type Config } from '../config/read';

/** Pages run only their own files from this origin, talk only to it, and are never framed. */
const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
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

/** Loopback only: a page fetched from another machine never carries the development key. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

async function asset(env: Env, request: Request, path: string): Promise<Response> {
  const stored = await env.ASSETS.fetch(new Request(new URL(path, request.url)));
  const response = new Response(stored.body, stored);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

/** Under `npm run dev`, on loopback, the playground names the development key in a meta tag. */
function withDevKey(page: Response, key: string): Response {
  return new HTMLRewriter()
    .on('head', {
      element(head) {
        head.append(
          `<meta name="dev-key" content="${key.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}">`,
          {
            html: true,
          },
        );
      },
    })
    .transform(page);
}

export async function playgroundPage(request: IRequest, env: Env): Promise<Response | undefined> {
  const config = readConfig(env);
  if (!config.playground) return undefined;
  const page = await asset(env, request, '/playground');
  const devKey = config.playgroundDevKey;
  return devKey !== undefined && isLoopback(request.url) ? withDevKey(page, devKey) : page;
}

export async function dashboardPage(request: IRequest, env: Env): Promise<Response | undefined> {
  if (readConfig(env).adminKeyDigest === undefined) return undefined;
  return asset(env, request, '/admin');
}

/** The pages' scripts and styles: nothing secret, but served only when a page is. */
export async function pageAssets(request: IRequest, env: Env): Promise<Response | undefined> {
  if (!pagesOn(readConfig(env))) return undefined;
  const response = await asset(env, request, new URL(request.url).pathname);
  return response.ok ? response : undefined;
}
