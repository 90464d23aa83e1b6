// Tries a request's targets in order until one answers: fail over on connection failures,
// timeouts before the headers and retryable statuses, within an attempt budget and one deadline.
import type { Target, Upstream } from '../config/upstreams';
import { ProxyError } from '../errors';
import { upstreamHealth, type FailureKind } from './health';

/** Statuses worth another upstream or another try: overload, timeouts, server failures. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);
/** The most attempts one client request may cause, whatever the number of targets. */
const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 100;
/** The longest the proxy waits for an upstream that asked to be retried later; past it, move on. */
const MAX_WAIT_MS = 10_000;

export interface Answered {
  readonly response: Response;
  /** The target that answered: its model is the one the upstream was asked for. */
  readonly target: Target;
  readonly attempts: number;
  /** The proxy retried or failed over, and this answer is the last failure it got. */
  readonly gaveUp: boolean;
}

/** No upstream answered: the error to show, who was tried, and whether one may bill the request. */
export interface Unanswered {
  readonly error: ProxyError;
  readonly tried: readonly Upstream[];
  readonly attempts: number;
  /** An attempt timed out after it was sent: the provider may have received and billed it. */
  readonly mayHaveBilled: boolean;
}

export type Attempted =
  { readonly ok: true; readonly answered: Answered } | ({ readonly ok: false } & Unanswered);

export interface FailoverPlan {
  readonly targets: readonly Target[];
  /** Whose request this is: error answers cool an upstream only when several callers get them. */
  readonly caller: string;
  /** Total time for every attempt and wait (UPSTREAM_TIMEOUT_MS); 0 waits forever. */
  readonly deadlineMs: number;
  /** How long an upstream that keeps failing is skipped (UPSTREAM_COOLDOWN_SECONDS). */
  readonly coolDownMs: number;
  /** Sends one attempt; rejects with a ProxyError for an unreachable or silent upstream. */
  readonly send: (target: Target, timeoutMs: number) => Promise<Response>;
}

const healthKey = (upstream: Upstream) => `${upstream.name} ${upstream.baseUrl}`;

/**
 * One target means no failover was configured: a single attempt, whose answer passes through
 * with the upstream's own retry headers. Several mean up to two rounds over them, at most six
 * attempts, skipping upstreams that are cooling down unless all of them are.
 */
export function attemptOrder(targets: readonly Target[], cooling: (target: Target) => boolean): Target[] {
  if (targets.length <= 1) return [...targets];
  const ready = targets.filter((target) => !cooling(target));
  const round = ready.length > 0 ? ready : targets;
  const budget = Math.min(2 * targets.length, MAX_ATTEMPTS);
  return Array.from(
    { length: Math.min(budget, 2 * round.length) },
    (_, index) => round[index % round.length]!,
  );
}

/** What the upstream asked for: `retry-after-ms`, else `retry-after` in seconds or as a date. */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers.get('retry-after');
  if (after === null) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

interface Failure {
  readonly target: Target;
  readonly response?: Response;
  readonly error?: ProxyError;
  readonly at: number;
}

export async function callWithFailover(plan: FailoverPlan): Promise<Attempted> {
  const start = Date.now();
  const order = attemptOrder(plan.targets, (target) =>
    upstreamHealth.isCooling(healthKey(target.upstream), start),
  );
  const failures = new Map<Upstream, Failure>();
  const tried: Upstream[] = [];
  let last: Failure | undefined;
  let attempts = 0;
  // A request that timed out may have been received and billed: it is tried at most once more,
  // so slow upstreams cannot turn one client request into a billed call on every target.
  let attemptsAtTimeout: number | undefined;
  for (const [index, target] of order.entries()) {
    if (attemptsAtTimeout !== undefined && attempts > attemptsAtTimeout) break;
    const { upstream } = target;
    const earlier = failures.get(upstream);
    const waitMs = earlier ? Math.max(0, pauseBefore(earlier, attempts) - (Date.now() - earlier.at)) : 0;
    const left = plan.deadlineMs > 0 ? plan.deadlineMs - (Date.now() - start) - waitMs : Infinity;
    // No time (or too long) to wait for this one; a later target may need no wait.
    if (left <= 0 || waitMs > MAX_WAIT_MS) continue;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    await last?.response?.body?.cancel(); // Trying again: the previous failure's body is not needed.
    attempts++;
    if (!tried.includes(upstream)) tried.push(upstream);
    // A silent upstream may take its share of the time, not all of it: leave some for the others.
    const others = new Set(order.slice(index).map((next) => next.upstream)).size;
    const timeoutMs = left === Infinity ? 0 : Math.ceil(left / others);
    let kind: FailureKind;
    try {
      const response = await plan.send(target, timeoutMs);
      if (!RETRYABLE.has(response.status)) {
        upstreamHealth.succeeded(healthKey(upstream));
        return { ok: true, answered: { response, target, attempts, gaveUp: false } };
      }
      last = { target, response, at: Date.now() };
      kind = 'error-answer';
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      last = { target, error, at: Date.now() };
      if (error.code === 'upstream_timeout') attemptsAtTimeout ??= attempts;
      kind = 'unreachable';
    }
    const failure = { kind, caller: plan.caller, nowMs: last.at, coolDownMs: plan.coolDownMs };
    upstreamHealth.failed(healthKey(upstream), failure);
    failures.set(upstream, last);
  }
  if (last?.response) {
    const { response, target } = last;
    return { ok: true, answered: { response, target, attempts, gaveUp: attempts > 1 } };
  }
  return { ok: false, ...unanswered(last, { tried, attempts, timedOut: attemptsAtTimeout !== undefined }) };
}

/** Before trying an upstream again: what it asked for, else exponential backoff with jitter. */
function pauseBefore(failure: Failure, attempts: number): number {
  const asked = failure.response ? retryAfterMs(failure.response.headers, failure.at) : undefined;
  return asked ?? BACKOFF_BASE_MS * 2 ** (attempts - 1) * (0.5 + Math.random() / 2);
}

/** Out of attempts or time: the last error, naming every upstream tried and how many attempts failed. */
function unanswered(
  last: Failure | undefined,
  { tried, attempts, timedOut }: { tried: readonly Upstream[]; attempts: number; timedOut: boolean },
): Unanswered {
  const error =
    last?.error ??
    new ProxyError(504, 'upstream_timeout', 'No upstream answered within UPSTREAM_TIMEOUT_MS.');
  const names = tried.map((upstream) => upstream.name).join(', ');
  const headers: Record<string, string> = { 'x-upstream-attempts': String(attempts) };
  if (names) headers['x-upstream'] = names;
  if (attempts > 1) headers['x-should-retry'] = 'false';
  const detail =
    attempts > 1 ? ` (${attempts} attempts; tried ${names})` : names ? ` (upstream: ${names})` : '';
  return {
    error: new ProxyError(error.status, error.code, `${error.message}${detail}`, {
      ...error.details,
      headers,
    }),
    tried,
    attempts,
    mayHaveBilled: timedOut,
  };
}
