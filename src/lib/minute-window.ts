// A sliding one-minute window counted in one-second buckets: at most 60 entries however busy the
// caller, so admitting a request (and storing the window) costs the same at 60 or 60,000 requests
// a minute. An amount counts from its second until that second plus 60 s ends.

export interface SecondCount {
  /** Unix second the amounts were added in. */
  readonly second: number;
  readonly amount: number;
}

/** Oldest first; at most one entry per second, each within the last minute when slid. */
export type MinuteWindow = readonly SecondCount[];

const WINDOW_SECONDS = 60;
const secondOf = (ms: number) => Math.floor(ms / 1000);

/** The window as of `nowMs`: seconds older than a minute dropped. */
export function slide(window: MinuteWindow, nowMs: number): MinuteWindow {
  const oldestKept = secondOf(nowMs) - WINDOW_SECONDS + 1;
  const first = window.findIndex((entry) => entry.second >= oldestKept);
  return first === 0 ? window : first === -1 ? [] : window.slice(first);
}

export function total(window: MinuteWindow): number {
  return window.reduce((sum, entry) => sum + entry.amount, 0);
}

/** `amount` added at `atMs` (a new second is appended; times only move forward). */
export function add(window: MinuteWindow, atMs: number, amount: number): MinuteWindow {
  const second = secondOf(atMs);
  const last = window.at(-1);
  return last?.second === second
    ? [...window.slice(0, -1), { second, amount: last.amount + amount }]
    : [...window, { second, amount }];
}

/** The amount added at `atMs` corrected by `delta` (never below zero), if it is still counted. */
export function adjust(window: MinuteWindow, atMs: number, delta: number): MinuteWindow {
  const second = secondOf(atMs);
  return window.map((entry) =>
    entry.second === second ? { second, amount: Math.max(0, entry.amount + delta) } : entry,
  );
}

/** Milliseconds until the oldest counted amount leaves the window; 0 when it is empty. */
export function msUntilOldestLeaves(window: MinuteWindow, nowMs: number): number {
  const oldest = window[0];
  return oldest === undefined ? 0 : Math.max(0, (oldest.second + WINDOW_SECONDS) * 1000 - nowMs);
}
