// Cool-down for upstreams that keep failing, per isolate. A Durable Object would share it
// across the edge, but would add a round trip to every request for a hint that each isolate
// learns within a few failures on its own; an isolate's state is also as local as its traffic.

/** Consecutive failures that start a cool-down (UPSTREAM_COOLDOWN_SECONDS long; 0 = never). */
const FAILURES_TO_COOL = 3;

export interface HealthState {
  readonly failures: number;
  /** Until when the upstream is skipped; after that one request may try it (half-open). */
  readonly coolUntil: number;
}

const healthy: HealthState = { failures: 0, coolUntil: 0 };

/** Skipped now? A cooled upstream whose time is up is tried again, and cools at once if it fails. */
export function isCooling(state: HealthState | undefined, nowMs: number): boolean {
  return state !== undefined && nowMs < state.coolUntil;
}

export function afterFailure(
  state: HealthState = healthy,
  at: { nowMs: number; coolDownMs: number },
): HealthState {
  const failures = state.failures + 1;
  const cools = failures >= FAILURES_TO_COOL && at.coolDownMs > 0;
  return { failures, coolUntil: cools ? at.nowMs + at.coolDownMs : state.coolUntil };
}

/** The thin stateful shell: one entry per upstream (name and URL), in this isolate. */
const states = new Map<string, HealthState>();

export const upstreamHealth = {
  isCooling: (key: string, nowMs: number) => isCooling(states.get(key), nowMs),
  failed: (key: string, at: { nowMs: number; coolDownMs: number }) =>
    void states.set(key, afterFailure(states.get(key), at)),
  succeeded: (key: string) => void states.delete(key),
};
