// Admits a request against its caller's quota (held by that caller's Durable Object) and reports
// the caller's own limits in OpenAI's rate-limit headers.
import type { Caller } from '../access/authenticate';
import { ProxyError, logFailure } from '../errors';
import type { QuotaCounter } from './counter';
import type { Snapshot } from './window';

export interface Ticket {
  /** `x-ratelimit-*` headers describing the caller's limits after this request. */
  readonly headers: Headers;
  /** Replaces the reservation by the tokens really used (`undefined`: keep the reservation). */
  settle(usedTokens: number | undefined): Promise<void>;
}

/** OpenAI writes resets as durations such as `1s`, `6m0s`, `2h3m4s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** OpenAI's rate-limit headers for each limit the caller has, with the same value for each. */
function rateLimitHeaders(snapshot: Snapshot): Headers {
  const headers = new Headers();
  const windows = [
    ['requests', snapshot.limits.rpm, snapshot.remainingRequests, snapshot.resetRequestsMs],
    ['tokens', snapshot.limits.tpd, snapshot.remainingTokens, snapshot.resetTokensMs],
  ] as const;
  for (const [unit, limit, remaining, resetMs] of windows) {
    if (limit === 0) continue;
    headers.set(`x-ratelimit-limit-${unit}`, String(limit));
    headers.set(`x-ratelimit-remaining-${unit}`, String(remaining));
    headers.set(`x-ratelimit-reset-${unit}`, formatDuration(resetMs));
  }
  return headers;
}

function refusal(reason: 'requests' | 'tokens', snapshot: Snapshot): ProxyError {
  const headers = rateLimitHeaders(snapshot);
  const waitMs = reason === 'requests' ? snapshot.resetRequestsMs : snapshot.resetTokensMs;
  headers.set('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
  headers.set('retry-after-ms', String(Math.max(0, Math.ceil(waitMs))));
  // A spent daily budget will not recover within any sensible retry loop: tell the SDK not to.
  if (reason === 'tokens') headers.set('x-should-retry', 'false');
  const { rpm, tpd } = snapshot.limits;
  const message =
    reason === 'requests'
      ? `Rate limit reached: ${rpm} requests per minute for this client. Try again in ${formatDuration(waitMs)}.`
      : `Daily token budget of ${tpd} tokens for this client is spent. It resets in ${formatDuration(waitMs)}.`;
  return new ProxyError(429, 'rate_limit_exceeded', message, { type: reason, headers });
}

/** `undefined` when the caller has no limits at all: no Durable Object call is made then. */
export async function admitRequest(
  namespace: DurableObjectNamespace<QuotaCounter>,
  caller: Caller,
  reserve: number,
): Promise<Ticket | undefined> {
  if (caller.limits.rpm === 0 && caller.limits.tpd === 0) return undefined;
  const counter = namespace.get(namespace.idFromName(caller.id));
  const reserved = caller.limits.tpd > 0 ? reserve : 0;
  let admission: Awaited<ReturnType<QuotaCounter['admit']>>;
  try {
    admission = await counter.admit(caller.limits, reserved);
  } catch (error) {
    logFailure('quota_admit_failed', error);
    // Quotas guard the owner's money: without them, refuse rather than spend unguarded.
    throw new ProxyError(503, 'quota_unavailable', 'The quota service is unavailable; try again shortly.');
  }
  const { decision, day } = admission;
  if (!decision.allowed) throw refusal(decision.reason, decision.snapshot);
  return {
    headers: rateLimitHeaders(decision.snapshot),
    async settle(used) {
      if (reserved === 0 || used === undefined || used === reserved) return;
      await counter
        .settle(day, used - reserved)
        .catch((error: unknown) => logFailure('quota_settle_failed', error));
    },
  };
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
