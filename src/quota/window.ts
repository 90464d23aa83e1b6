// The arithmetic of per-caller quotas: a sliding one-minute request window and a UTC-day token budget.

export interface Limits {
  /** Requests per minute; 0 = no limit. */
  readonly rpm: number;
  /** Tokens (prompt + completion) per UTC day; 0 = no limit. */
  readonly tpd: number;
}

export interface QuotaState {
  /** Start times (ms) of the requests admitted in the last minute, oldest first. */
  readonly requests: readonly number[];
  readonly day: string;
  readonly tokensUsed: number;
}

export interface Snapshot {
  readonly limits: Limits;
  readonly remainingRequests: number;
  readonly resetRequestsMs: number;
  readonly remainingTokens: number;
  readonly resetTokensMs: number;
}

export type Decision =
  | { readonly allowed: true; readonly snapshot: Snapshot }
  | { readonly allowed: false; readonly reason: 'requests' | 'tokens'; readonly snapshot: Snapshot };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export const emptyState: QuotaState = { requests: [], day: '', tokensUsed: 0 };

export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** The state as of `nowMs`: requests older than a minute dropped, a new day's budget started. */
function current(state: QuotaState, nowMs: number): QuotaState {
  const day = utcDay(nowMs);
  return {
    requests: state.requests.filter((start) => start > nowMs - MINUTE_MS),
    day,
    tokensUsed: state.day === day ? state.tokensUsed : 0,
  };
}

function snapshot(state: QuotaState, limits: Limits, nowMs: number): Snapshot {
  const oldest = state.requests[0];
  return {
    limits,
    remainingRequests: Math.max(0, limits.rpm - state.requests.length),
    resetRequestsMs: oldest === undefined ? 0 : oldest + MINUTE_MS - nowMs,
    remainingTokens: Math.max(0, limits.tpd - state.tokensUsed),
    resetTokensMs: DAY_MS - (nowMs % DAY_MS),
  };
}

/**
 * Admits one request and reserves `reserve` tokens, or refuses it. A request is refused for
 * tokens only once the day's budget is spent, so a reservation can overshoot by at most one
 * request's worth; settlement then corrects it to the real usage.
 */
export function admit(
  previous: QuotaState,
  limits: Limits,
  request: { readonly reserve: number; readonly nowMs: number },
): { readonly decision: Decision; readonly state: QuotaState } {
  const { nowMs, reserve } = request;
  const state = current(previous, nowMs);
  if (limits.rpm > 0 && state.requests.length >= limits.rpm) {
    return {
      decision: { allowed: false, reason: 'requests', snapshot: snapshot(state, limits, nowMs) },
      state,
    };
  }
  if (limits.tpd > 0 && state.tokensUsed >= limits.tpd) {
    return {
      decision: { allowed: false, reason: 'tokens', snapshot: snapshot(state, limits, nowMs) },
      state,
    };
  }
  const admitted: QuotaState = {
    requests: limits.rpm > 0 ? [...state.requests, nowMs] : state.requests,
    day: state.day,
    tokensUsed: state.tokensUsed + (limits.tpd > 0 ? reserve : 0),
  };
  return { decision: { allowed: true, snapshot: snapshot(admitted, limits, nowMs) }, state: admitted };
}

/** Replaces a reservation made on `day` by what was really used (never below zero). */
export function settle(
  state: QuotaState,
  correction: { readonly day: string; readonly delta: number },
): QuotaState {
  if (state.day !== correction.day) return state; // A new day began: yesterday's usage is gone.
  return { ...state, tokensUsed: Math.max(0, state.tokensUsed + correction.delta) };
}
