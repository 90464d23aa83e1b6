// Cool-down for upstreams that keep failing, per isolate. A Durable Object would share it
// across the edge, but would add a round trip to every request for a hint that each isolate
// learns within a few failures on its own; an isolate's state is also as local as its traffic.

/** Failures in a row that start a cool-down (UPSTREAM_COOLDOWN_SECONDS long; 0 = never). */
const FAILURES_TO_COOL = 3;
/** Error answers count only once this many callers got them: one caller's bad requests are theirs. */
const CALLERS_FOR_ERRORS = 2;

/** A failure that is about the upstream (it could not be reached, or timed out), or an error answer. */
export type FailureKind = 'unreachable' | 'error-answer';

export interface HealthState {
  /** Failures since the last success that say the upstream itself is down. */
  readonly unreachable: number;
  /** Error answers (5xx, 429) since the last success, and the callers that got them (two at most). */
  readonly errorAnswers: number;
  readonly callers: readonly string[];
  /** Until when the upstream is skipped; after that one request may try it (half-open). */
  readonly coolUntil: number;
}

const healthy: HealthState = { unreachable: 0, errorAnswers: 0, callers: [], coolUntil: 0 };

/** Skipped now? A cooled upstream whose time is up is tried again, and cools at once if it fails. */
export function isCooling(state: HealthState | undefined, nowMs: number): boolean {
  return state !== undefined && nowMs < state.coolUntil;
}

export interface Failure {
  readonly kind: FailureKind;
  readonly caller: string;
  readonly nowMs: number;
  readonly coolDownMs: number;
}

/**
 * Counts a failure. Connection failures and timeouts count from any caller; error answers only
 * once at least two callers got them, so one caller sending requests an upstream refuses (or that
 * crash it) cannot move everyone else's traffic away.
 */
export function afterFailure(state: HealthState = healthy, failure: Failure): HealthState {
  const unreachable = state.unreachable + (failure.kind === 'unreachable' ? 1 : 0);
  const errorAnswers = state.errorAnswers + (failure.kind === 'error-answer' ? 1 : 0);
  const callers =
    failure.kind === 'error-answer' &&
    !state.callers.includes(failure.caller) &&
    state.callers.length < CALLERS_FOR_ERRORS
      ? [...state.callers, failure.caller]
      : state.callers;
  const counted = unreachable + (callers.length >= CALLERS_FOR_ERRORS ? errorAnswers : 0);
  const cools = counted >= FAILURES_TO_COOL && failure.coolDownMs > 0;
  return {
    unreachable,
    errorAnswers,
    callers,
    coolUntil: cools ? failure.nowMs + failure.coolDownMs : state.coolUntil,
  };
}

/** The thin stateful shell: one entry per upstream (name and URL), in this isolate. */
const states = new Map<string, HealthState>();

export const upstreamHealth = {
  isCooling: (key: string, nowMs: number) => isCooling(states.get(key), nowMs),
  failed: (key: string, failure: Failure) => void states.set(key, afterFailure(states.get(key), failure)),
  succeeded: (key: string) => void states.delete(key),
};
