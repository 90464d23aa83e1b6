// A local identity provider for the tests: keys generated on every run (RS256 and ES256), a
// JWKS served on any path with a cache-control header, requests counted per path, and control
// endpoints to publish or withdraw a key, to slow one path down and to take the provider down.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface IdentityProvider {
  /** Base URL; any path under it serves the JWKS (use a path per test for its own cache). */
  readonly url: string;
  /** Private keys, as JWKs with `kid` and `alg`: `rsa`, `ec` are published at start, `next` is not. */
  readonly keys: { readonly rsa: JWK; readonly ec: JWK; readonly next: JWK };
  close(): Promise<void>;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const meta = { kid, alg, use: 'sig' };
  return {
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
  };
}

export async function startIdentityProvider(): Promise<IdentityProvider> {
  const rsa = await keyPair('RS256', 'rsa-1');
  const ec = await keyPair('ES256', 'ec-1');
  const next = await keyPair('RS256', 'rsa-2');
  const published = new Map([rsa, ec].map((pair) => [pair.publicJwk.kid!, pair.publicJwk]));
  const counts = new Map<string, number>();
  /** Paths whose JWKS answers only after this many milliseconds. */
  const slow = new Map<string, number>();
  let down = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://idp');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/__idp/count')
      return send(200, { count: counts.get(url.searchParams.get('path') ?? '') ?? 0 });
    if (url.pathname === '/__idp/publish') return (published.set('rsa-2', next.publicJwk), send(200, {}));
    if (url.pathname === '/__idp/withdraw')
      return (published.delete(url.searchParams.get('kid') ?? ''), send(200, {}));
    if (url.pathname === '/__idp/down') return ((down = url.searchParams.get('down') === '1'), send(200, {}));
    if (url.pathname === '/__idp/slow') {
      slow.set(url.searchParams.get('path') ?? '', Number(url.searchParams.get('ms') ?? 0));
      return send(200, {});
    }
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    if (down) return send(503, { error: 'down' });
    const answer = () =>
      send(200, { keys: [...published.values()] }, { 'cache-control': 'public, max-age=300' });
    const delayMs = slow.get(url.pathname) ?? 0;
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys: { rsa: rsa.privateJwk, ec: ec.privateJwk, next: next.privateJwk },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
