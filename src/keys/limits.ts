// The arithmetic of a virtual key's limits: requests and tokens per minute (sliding windows of
// one-second buckets),
// tokens and dollars per UTC day, dollars per UTC month and in all, and requests in flight at once
// (leases that expire, so a request whose isolate died never holds a slot for good). Pure: every
// decision is a function of plain state and the time, which the Durable Object keeps.
import { add, adjust, msUntilOldestLeaves, slide, total, type MinuteWindow } from '../lib/minute-window';
import { msUntilNextDay, msUntilNextMonth, utcDay, utcMonth } from '../lib/time';

/** Every limit a key may carry; 0 = no limit. Dollars in micro-dollars. */
export interface KeyLimits {
  readonly rpm: number;
  readonly tpm: number;
  readonly tpd: number;
  readonly microsPerDay: number;
  readonly microsPerMonth: number;
  readonly microsTotal: number;
  readonly maxParallel: number;
}

export const NO_LIMITS: KeyLimits = {
  rpm: 0,
  tpm: 0,
  tpd: 0,
  microsPerDay: 0,
  microsPerMonth: 0,
  microsTotal: 0,
  maxParallel: 0,
};

/** Held by an admitted request until it settles, or until `until` if it never does. */
interface Lease {
  readonly id: string;
  readonly until: number;
  /** When it was admitted: its entry in the minute's token window, corrected when it settles. */
  readonly at: number;
  /**
   * Its request has ended for the client (the slot is free) but is not yet settled: the lease is
   * kept until then for `at`.
   */
  readonly released?: boolean;
  /** What it reserved, until it settles (absent in leases stored before this was kept: none). */
  readonly reserved?: { readonly tokens: number; readonly micros: number };
}

/** Leases whose requests are still running: what `max_parallel` counts. */
const running = (usage: KeyUsage) => usage.leases.filter((lease) => lease.released !== true).length;

export interface KeyUsage {
  /** Requests admitted in the last minute. */
  readonly requests: MinuteWindow;
  /** Tokens counted in the last minute, by when they were reserved. */
  readonly minute: MinuteWindow;
  readonly day: string;
  readonly tokensDay: number;
  readonly microsDay: number;
  readonly month: string;
  readonly microsMonth: number;
  readonly microsTotal: number;
  readonly leases: readonly Lease[];
}

export const NO_USAGE: KeyUsage = {
  requests: [],
  minute: [],
  day: '',
  tokensDay: 0,
  microsDay: 0,
  month: '',
  microsMonth: 0,
  microsTotal: 0,
  leases: [],
};

export type KeyRefusal =
  'requests' | 'parallel' | 'tokens_minute' | 'tokens_day' | 'usd_day' | 'usd_month' | 'usd_total';

/** How long an admitted request holds its slot without a word; the request renews it meanwhile. */
export const LEASE_MS = 60_000;

/** The usage as of `now`: windows slid, a new day's and month's budgets begun, dead leases gone. */
export function current(usage: KeyUsage, now: number): KeyUsage {
  const day = utcDay(now);
  const month = utcMonth(now);
  return {
    requests: slide(usage.requests, now),
    minute: slide(usage.minute, now),
    day,
    tokensDay: usage.day === day ? usage.tokensDay : 0,
    microsDay: usage.day === day ? usage.microsDay : 0,
    month,
    microsMonth: usage.month === month ? usage.microsMonth : 0,
    microsTotal: usage.microsTotal,
    leases: usage.leases.filter((lease) => lease.until > now),
  };
}

/**
 * What the requests still running have reserved and not yet settled, in this day's and month's
 * budgets and in all: a request admitted before midnight reserved from yesterday's.
 */
function reservedInFlight(usage: KeyUsage) {
  const held = { tokensDay: 0, microsDay: 0, microsMonth: 0, microsTotal: 0 };
  for (const lease of usage.leases) {
    const { tokens = 0, micros = 0 } = lease.reserved ?? {};
    const today = utcDay(lease.at) === usage.day;
    if (today) held.tokensDay += tokens;
    if (today) held.microsDay += micros;
    if (utcMonth(lease.at) === usage.month) held.microsMonth += micros;
    held.microsTotal += micros;
  }
  return held;
}

/**
 * Whether a budget refusal is only for now: what the requests still running reserved is what
 * fills the budget, and their answers usually settle for far less. The client is told to try
 * again shortly rather than that the budget is spent for the day.
 */
function heldInFlight(
  usage: KeyUsage,
  limits: KeyLimits,
  reserve: { readonly tokens: number; readonly micros: number },
): boolean {
  const held = reservedInFlight(usage);
  if (held.tokensDay + held.microsTotal === 0) return false;
  const settled = {
    ...usage,
    tokensDay: usage.tokensDay - held.tokensDay,
    microsDay: usage.microsDay - held.microsDay,
    microsMonth: usage.microsMonth - held.microsMonth,
    microsTotal: usage.microsTotal - held.microsTotal,
  };
  return refusal(settled, limits, reserve) === undefined;
}

/**
 * Why a request reserving `reserve` may not go ahead now. Requests and parallel slots are
 * counted; tokens are refused once spent (a reservation may overshoot by one request); dollars
 * are strict: the whole reservation must fit, so racing requests never spend past a budget.
 */
export function refusal(
  usage: KeyUsage,
  limits: KeyLimits,
  reserve: { readonly tokens: number; readonly micros: number },
): KeyRefusal | undefined {
  if (limits.rpm > 0 && total(usage.requests) >= limits.rpm) return 'requests';
  if (limits.maxParallel > 0 && running(usage) >= limits.maxParallel) return 'parallel';
  if (limits.tpm > 0 && total(usage.minute) >= limits.tpm) return 'tokens_minute';
  if (limits.tpd > 0 && usage.tokensDay >= limits.tpd) return 'tokens_day';
  if (limits.microsPerDay > 0 && usage.microsDay + reserve.micros > limits.microsPerDay) return 'usd_day';
  if (limits.microsPerMonth > 0 && usage.microsMonth + reserve.micros > limits.microsPerMonth)
    return 'usd_month';
  if (limits.microsTotal > 0 && usage.microsTotal + reserve.micros > limits.microsTotal) return 'usd_total';
  return undefined;
}

export type KeyDecision =
  | { readonly allowed: true; readonly usage: KeyUsage; readonly lease: string }
  | {
      readonly allowed: false;
      readonly reason: KeyRefusal;
      readonly usage: KeyUsage;
      /** The budget is full only with what requests still running reserved (see `heldInFlight`). */
      readonly inFlight: boolean;
    };

/** Admits one request and reserves what it may use, holding a lease; or says why not. */
export function admitKey(
  previous: KeyUsage,
  limits: KeyLimits,
  request: {
    readonly reserve: { tokens: number; micros: number };
    readonly now: number;
    readonly lease: string;
  },
): KeyDecision {
  const { now, reserve } = request;
  const usage = current(previous, now);
  const reason = refusal(usage, limits, reserve);
  if (reason) {
    const budget = reason === 'tokens_day' || reason.startsWith('usd');
    return { allowed: false, reason, usage, inFlight: budget && heldInFlight(usage, limits, reserve) };
  }
  return {
    allowed: true,
    lease: request.lease,
    usage: {
      ...usage,
      requests: add(usage.requests, now, 1),
      minute: add(usage.minute, now, reserve.tokens),
      tokensDay: usage.tokensDay + reserve.tokens,
      microsDay: usage.microsDay + reserve.micros,
      microsMonth: usage.microsMonth + reserve.micros,
      microsTotal: usage.microsTotal + reserve.micros,
      leases: [...usage.leases, { id: request.lease, until: now + LEASE_MS, at: now, reserved: reserve }],
    },
  };
}

/**
 * Replaces a reservation made in `day`/`month` by what was used, and frees its lease. A period
 * that has ended keeps what it had: yesterday's budget is not corrected into today's.
 */
export function settleKey(
  previous: KeyUsage,
  settlement: {
    readonly lease: string;
    readonly day: string;
    readonly month: string;
    readonly delta: { readonly tokens: number; readonly micros: number };
    readonly now: number;
  },
): KeyUsage {
  const usage = current(previous, settlement.now);
  const { delta } = settlement;
  const lease = previous.leases.find((held) => held.id === settlement.lease);
  const sameDay = usage.day === settlement.day;
  const sameMonth = usage.month === settlement.month;
  return {
    ...usage,
    minute: lease ? adjust(usage.minute, lease.at, delta.tokens) : usage.minute,
    tokensDay: sameDay ? Math.max(0, usage.tokensDay + delta.tokens) : usage.tokensDay,
    microsDay: sameDay ? Math.max(0, usage.microsDay + delta.micros) : usage.microsDay,
    microsMonth: sameMonth ? Math.max(0, usage.microsMonth + delta.micros) : usage.microsMonth,
    microsTotal: Math.max(0, usage.microsTotal + delta.micros),
    leases: usage.leases.filter((held) => held.id !== settlement.lease),
  };
}

/**
 * Frees a request's slot the moment it has ended for its client, before it is settled: a client
 * that sends its next request as soon as a stream closes must find the slot free.
 */
export function releaseLease(usage: KeyUsage, lease: string): KeyUsage {
  return {
    ...usage,
    leases: usage.leases.map((held) => (held.id === lease ? { ...held, released: true } : held)),
  };
}

/** Keeps a lease alive while its request is still answering. */
export function renewLease(usage: KeyUsage, lease: string, now: number): KeyUsage {
  return {
    ...usage,
    leases: usage.leases.map((held) => (held.id === lease ? { ...held, until: now + LEASE_MS } : held)),
  };
}

export interface KeyWindow {
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  /** Milliseconds until this limit's window or period frees up. */
  readonly resetMs: number;
}

/** Each limit the key has: its size, what is used and left, and when it resets. */
export function windows(
  usage: KeyUsage,
  limits: KeyLimits,
  now: number,
): Partial<Record<KeyRefusal, KeyWindow>> {
  const all: Record<KeyRefusal, [number, number, number]> = {
    requests: [limits.rpm, total(usage.requests), msUntilOldestLeaves(usage.requests, now)],
    parallel: [limits.maxParallel, running(usage), 0],
    tokens_minute: [limits.tpm, total(usage.minute), msUntilOldestLeaves(usage.minute, now)],
    tokens_day: [limits.tpd, usage.tokensDay, msUntilNextDay(now)],
    usd_day: [limits.microsPerDay, usage.microsDay, msUntilNextDay(now)],
    usd_month: [limits.microsPerMonth, usage.microsMonth, msUntilNextMonth(now)],
    usd_total: [limits.microsTotal, usage.microsTotal, 0],
  };
  const present = Object.entries(all).filter(([, [limit]]) => limit > 0);
  return Object.fromEntries(
    present.map(([name, [limit, used, resetMs]]) => [
      name,
      { limit, used, remaining: Math.max(0, limit - used), resetMs: Math.max(0, resetMs) },
    ]),
  );
}
