// Calendar periods and waits, written once: UTC days and months, and a race against a timer.

const DAY_MS = 86_400_000;

/** `2026-12-04`: the UTC calendar day of `nowMs`. */
export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Milliseconds from `nowMs` until the next UTC midnight. */
export function msUntilNextDay(nowMs: number): number {
  return DAY_MS - (nowMs % DAY_MS);
}

/** `promise`'s value, or `fallback` once `ms` have passed without one. The timer never outlives it. */
export async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `2026-12`: the UTC calendar month of `nowMs`. */
export function utcMonth(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

/** Milliseconds from `nowMs` until the first moment of the next UTC month. */
export function msUntilNextMonth(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - nowMs;
}
