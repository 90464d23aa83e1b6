// The arithmetic of per-caller quotas: a sliding one-minute request window (one-second buckets), and a UTC-day budget
// of tokens and of dollars (counted in whole micro-dollars, so sums stay exact).
import { add, msUntilOldestLeaves, slide, total, type MinuteWindow } from '../lib/minute-window';
import { msUntilNextDay, utcDay } from '../lib/time';

export interface Limits {
  /** Requests per minute; 0 = no limit. */
  readonly rpm: number;
  /** Tokens (prompt + completion) per UTC day; 0 = no limit. */
  readonly tpd: number;
  /** Micro-dollars (USD × 1,000,000) per UTC day; 0 = no limit. */
  readonly microsPerDay: number;
}

export interface QuotaState {
  /** Requests admitted in the last minute. */
  readonly requests: MinuteWindow;
  readonly day: string;
  readonly tokensUsed: number;
  readonly microsUsed: number;
}

/** What a request holds until it is settled. */
export interface Amounts {
  readonly tokens: number;
  readonly micros: number;
}

export interface Snapshot {
  readonly limits: Limits;
  /** What was used, which may pass a limit (a request can overshoot a token budget by its own size). */
  readonly used: { readonly requests: number; readonly tokens: number; readonly micros: number };
  readonly remainingRequests: number;
  readonly resetRequestsMs: number;
  readonly remainingTokens: number;
  readonly remainingMicros: number;
  /** Both daily budgets reset at UTC midnight. */
  readonly resetTokensMs: number;
}

export type Refusal = 'requests' | 'tokens' | 'dollars';

export type Decision =
  | { readonly allowed: true; readonly snapshot: Snapshot }
  | { readonly allowed: false; readonly reason: Refusal; readonly snapshot: Snapshot };

export const emptyState: QuotaState = { requests: [], day: '', tokensUsed: 0, microsUsed: 0 };

/** The state as of `nowMs`: requests older than a minute dropped, a new day's budget started. */
function current(state: QuotaState, nowMs: number): QuotaState {
  const day = utcDay(nowMs);
  return {
    requests: slide(state.requests, nowMs),
    day,
    tokensUsed: state.day === day ? state.tokensUsed : 0,
    microsUsed: state.day === day ? state.microsUsed : 0,
  };
}

function snapshot(state: QuotaState, limits: Limits, nowMs: number): Snapshot {
  return {
    limits,
    used: { requests: total(state.requests), tokens: state.tokensUsed, micros: state.microsUsed },
    remainingRequests: Math.max(0, limits.rpm - total(state.requests)),
    resetRequestsMs: msUntilOldestLeaves(state.requests, nowMs),
    remainingTokens: Math.max(0, limits.tpd - state.tokensUsed),
    remainingMicros: Math.max(0, limits.microsPerDay - state.microsUsed),
    resetTokensMs: msUntilNextDay(nowMs),
  };
}

/** Why this request may not go ahead now, if it may not. */
function refusal(state: QuotaState, limits: Limits, reserve: Amounts): Refusal | undefined {
  if (limits.rpm > 0 && total(state.requests) >= limits.rpm) return 'requests';
  if (limits.tpd > 0 && state.tokensUsed >= limits.tpd) return 'tokens';
  // Dollars are strict: the request's whole estimated maximum must fit, so racing requests can
  // never reserve more than the budget between them.
  if (limits.microsPerDay > 0 && state.microsUsed + reserve.micros > limits.microsPerDay) return 'dollars';
  return undefined;
}

/**
 * Admits one request and reserves what it may use, or refuses it. Tokens are refused only
 * once the day's budget is spent, so a reservation can overshoot it by one request's worth;
 * settlement then corrects it to the real usage. Dollar reservations never overshoot.
 */
export function admit(
  previous: QuotaState,
  limits: Limits,
  request: { readonly reserve: Amounts; readonly nowMs: number },
): { readonly decision: Decision; readonly state: QuotaState } {
  const { nowMs, reserve } = request;
  const state = current(previous, nowMs);
  const reason = refusal(state, limits, reserve);
  if (reason)
    return { decision: { allowed: false, reason, snapshot: snapshot(state, limits, nowMs) }, state };
  const admitted: QuotaState = {
    requests: limits.rpm > 0 ? add(state.requests, nowMs, 1) : state.requests,
    day: state.day,
    tokensUsed: state.tokensUsed + (limits.tpd > 0 ? reserve.tokens : 0),
    microsUsed: state.microsUsed + (limits.microsPerDay > 0 ? reserve.micros : 0),
  };
  return { decision: { allowed: true, snapshot: snapshot(admitted, limits, nowMs) }, state: admitted };
}

/** What `admit` would report, without admitting anything. */
export function peek(state: QuotaState, limits: Limits, nowMs: number): Snapshot {
  return snapshot(current(state, nowMs), limits, nowMs);
}

/** Replaces a reservation made on `day` by what was really used (never below zero). */
export function settle(
  state: QuotaState,
  correction: { readonly day: string; readonly delta: Amounts },
): QuotaState {
  if (state.day !== correction.day) return state; // A new day began: yesterday's usage is gone.
  return {
    ...state,
    tokensUsed: Math.max(0, state.tokensUsed + correction.delta.tokens),
    microsUsed: Math.max(0, state.microsUsed + correction.delta.micros),
  };
}
