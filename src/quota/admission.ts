// Admits a request against its caller's quota (held by that caller's Durable Object) and reports
// the caller's own limits in OpenAI's rate-limit headers.
import type { Caller } from '../access/caller';
import type { Used } from '../accounting/settle';
import { ProxyError, logFailure } from '../errors';
import { withTimeout } from '../lib/time';
import type { QuotaCounter } from './counter';
import { admitVirtualKey } from './key-admission';
import type { Amounts, Refusal, Snapshot } from './window';

export interface Ticket {
  /** `x-ratelimit-*` headers describing the caller's limits after this request. */
  readonly headers: Headers;
  /** The caller's quota counts tokens or dollars, so what an answer used must be known exactly. */
  readonly countsUsage: boolean;
  /** Replaces the reservation by what was really used (and frees the request's slot). */
  settle(used: Used): Promise<void>;
  /** Keeps the request's slot while it is still answering, where slots are counted. */
  renew?(): Promise<void>;
  /** Frees the request's slot before settling, where slots are counted (see `freeingSlotAtEnd`). */
  release?(): Promise<void>;
}

/**
 * A wait longer than this is not worth an SDK's silent retry (openai-node honours a
 * `retry-after-ms` of up to a minute, so the app looks frozen): the client is told not to retry,
 * and can tell its user at once.
 */
export const LONGEST_SILENT_RETRY_MS = 5_000;

/** OpenAI writes resets as durations such as `1s`, `6m0s`, `2h3m4s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

export const dollars = (micros: number) => (micros / 1_000_000).toFixed(6).replace(/\.?0+$/, '');

/** OpenAI's rate-limit headers for each limit the caller has, and the same style for dollars. */
function rateLimitHeaders(snapshot: Snapshot): Headers {
  const headers = new Headers();
  const { limits } = snapshot;
  const windows = [
    ['requests', limits.rpm, snapshot.remainingRequests, snapshot.resetRequestsMs, String],
    ['tokens', limits.tpd, snapshot.remainingTokens, snapshot.resetTokensMs, String],
    ['usd', limits.microsPerDay, snapshot.remainingMicros, snapshot.resetTokensMs, dollars],
  ] as const;
  for (const [unit, limit, remaining, resetMs, format] of windows) {
    if (limit === 0) continue;
    headers.set(`x-ratelimit-limit-${unit}`, format(limit));
    headers.set(`x-ratelimit-remaining-${unit}`, format(remaining));
    headers.set(`x-ratelimit-reset-${unit}`, formatDuration(resetMs));
  }
  return headers;
}

export const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function refusalMessage(reason: Refusal, snapshot: Snapshot, wait: string): string {
  const { rpm, tpd, microsPerDay } = snapshot.limits;
  if (reason === 'requests')
    return `Rate limit reached: ${plural(rpm, 'request')} per minute for this client. Try again in ${wait}.`;
  if (reason === 'tokens')
    return `Daily token budget of ${plural(tpd, 'token')} for this client is spent. It resets in ${wait}.`;
  return (
    `Daily budget of $${dollars(microsPerDay)} for this client is spent: $${dollars(snapshot.remainingMicros)} ` +
    `is left, less than this request may cost. It resets in ${wait}.`
  );
}

function refusal(reason: Refusal, snapshot: Snapshot): ProxyError {
  const headers = rateLimitHeaders(snapshot);
  const waitMs = reason === 'requests' ? snapshot.resetRequestsMs : snapshot.resetTokensMs;
  headers.set('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
  headers.set('retry-after-ms', String(Math.max(0, Math.ceil(waitMs))));
  // A spent daily budget, or a long wait, is not for an SDK to sit out silently: tell it not to.
  if (reason !== 'requests' || waitMs > LONGEST_SILENT_RETRY_MS) headers.set('x-should-retry', 'false');
  const message = refusalMessage(reason, snapshot, formatDuration(waitMs));
  return new ProxyError(429, 'rate_limit_exceeded', message, { type: reason, headers });
}

/** `undefined` when the caller has no limits at all: no Durable Object call is made then. */
async function admitRequest(
  namespace: DurableObjectNamespace<QuotaCounter>,
  caller: Caller,
  reserve: Amounts,
): Promise<Ticket | undefined> {
  const { limits } = caller;
  if (limits.rpm === 0 && limits.tpd === 0 && limits.microsPerDay === 0) return undefined;
  const counter = namespace.get(namespace.idFromName(caller.id));
  const reserved = {
    tokens: limits.tpd > 0 ? reserve.tokens : 0,
    micros: limits.microsPerDay > 0 ? reserve.micros : 0,
  };
  let admission: Awaited<ReturnType<QuotaCounter['admit']>>;
  try {
    admission = await counter.admit(limits, reserved);
  } catch (error) {
    logFailure('quota_admit_failed', error);
    // Quotas guard the owner's money: without them, refuse rather than spend unguarded.
    throw new ProxyError(503, 'quota_unavailable', 'The quota service is unavailable; try again shortly.');
  }
  const { decision, day } = admission;
  if (!decision.allowed) throw refusal(decision.reason, decision.snapshot);
  return {
    headers: rateLimitHeaders(decision.snapshot),
    countsUsage: limits.tpd > 0 || limits.microsPerDay > 0,
    async settle(used) {
      const delta = {
        tokens: reserved.tokens === 0 ? 0 : used.tokens - reserved.tokens,
        micros: reserved.micros === 0 ? 0 : used.micros - reserved.micros,
      };
      if (delta.tokens === 0 && delta.micros === 0) return;
      await counter.settle(day, delta).catch((error: unknown) => logFailure('quota_settle_failed', error));
    },
  };
}

/** Admits a request with whoever holds the caller's limits: its virtual key's object, or its quota counter. */
export function admitCaller(env: Env, caller: Caller, reserve: Amounts): Promise<Ticket | undefined> {
  return caller.virtualKey
    ? admitVirtualKey(env.VIRTUAL_KEYS, caller.virtualKey, reserve)
    : admitRequest(env.QUOTA, caller, reserve);
}

/** The longest an answer's end waits for its slot to be freed. */
const RELEASE_WAIT_MS = 1_000;

/**
 * Where requests in flight are counted, the slot is freed after the body's last byte has passed
 * and before the client sees its end, so a client that sends its next request as soon as this
 * one's stream ends finds the slot free (settling, which also frees it, runs later). Only keys
 * with `max_parallel` pay for the extra stream. It is a standard TransformStream, whose `flush`
 * runs at exactly that point. An IdentityTransformStream would cost no JavaScript per chunk, but
 * workerd refuses to pipe one IdentityTransformStream's readable (the body the relays build) into
 * another (a TypeError about inter-TransformStream pipes): budgeted streams on such keys never
 * started.
 */
export function freeingSlotAtEnd(
  response: Response,
  ticket: Ticket | undefined,
  ctx: ExecutionContext,
): Response {
  const release = ticket?.release;
  if (!release) return response;
  if (!response.body) {
    ctx.waitUntil(release());
    return response;
  }
  let freed: Promise<void> | undefined;
  // Bounded: a slow key object must not hold the end of every answer (settling frees it too).
  const free = () => (freed ??= withTimeout(release(), RELEASE_WAIT_MS, undefined));
  const freeing = new TransformStream<Uint8Array, Uint8Array>({ flush: () => free() });
  // A client that leaves, or a body that breaks, ends the pipe early: the slot is freed then.
  ctx.waitUntil(response.body.pipeTo(freeing.writable).catch(() => free()));
  return new Response(freeing.readable, response);
}

/** Replaces the upstream's rate-limit headers (the owner's account) with the caller's own. */
export function withCallerLimits(response: Response, ticket: Ticket | undefined): Response {
  if (!ticket) return response;
  for (const name of [...response.headers.keys()]) {
    if (name.startsWith('x-ratelimit-')) response.headers.delete(name);
  }
  for (const [name, value] of ticket.headers) response.headers.set(name, value);
  return response;
}
