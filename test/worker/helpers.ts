// Sends requests through the real Worker inside workerd, with per-test configuration.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import worker from '../../src/index';
import type { RecordedRequest } from '../mock-upstream/server.mjs';

export const upstreamUrl = inject('upstreamUrl');
export const upstreamKey = inject('upstreamKey');
export const CLIENT_KEY = 'client-key-1';

/** Settings as strings (any name, so unset optional secrets can be tested) and a KV stand-in. */
export type Overrides = { [name: string]: string | KVNamespace | undefined; CACHE?: KVNamespace };

/**
 * Calls the Worker's fetch handler with `env` plus overrides, and waits for its `waitUntil`s.
 * `disconnect` does what a client that hangs up does in production: its end of the response is
 * cancelled, and the request's signal aborts (the `enable_request_signal` flag).
 */
export async function send(input: string | Request, init?: RequestInit, overrides: Overrides = {}) {
  const hangUp = new AbortController();
  const request =
    typeof input === 'string'
      ? new Request(new URL(input, 'https://proxy.test'), { ...init, signal: hangUp.signal })
      : input;
  const ctx = createExecutionContext();
  const incoming = request as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(incoming, { ...env, ...overrides } as Env, ctx);
  const disconnect = async (reader?: ReadableStreamDefaultReader<Uint8Array>) => {
    await (reader ?? response.body)?.cancel();
    hangUp.abort();
  };
  return { response, settled: waitOnExecutionContext(ctx), disconnect };
}

/** A JSON POST with the client key, as an SDK would send it (text and bytes are sent as they are). */
export function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  overrides: Overrides = {},
) {
  return send(
    path,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    },
    overrides,
  );
}

export type Recorded = RecordedRequest;

/** What a mock upstream (the primary unless `mockUrl` says) received for a tag (body `user` or `x_mock.tag`). */
export async function received(tag: string, mockUrl = upstreamUrl): Promise<Recorded[]> {
  const origin = new URL(mockUrl).origin;
  const response = await fetch(`${origin}/__mock/requests?tag=${encodeURIComponent(tag)}`);
  return (await response.json()) as Recorded[];
}

export async function releaseGate(tag: string): Promise<void> {
  const origin = new URL(upstreamUrl).origin;
  await fetch(`${origin}/__mock/release?tag=${encodeURIComponent(tag)}`, { method: 'POST' });
}

let counter = 0;
export function uniqueTag(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
