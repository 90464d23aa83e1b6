// The one idle timer both relays use: a stream that stays silent too long is ended.

export interface IdleTimer {
  /** Something arrived: the silence starts again. Costs one clock read, no timer. */
  touch(): void;
  /** True once the timer fired. */
  readonly fired: boolean;
  stop(): void;
}

/**
 * One timer per stream rather than one per chunk: when it fires it checks how long the stream
 * has really been silent and re-arms for the remainder, so `touch()` on the hot path is free.
 * `timeoutMs` of 0 never fires.
 */
export function idleTimer(timeoutMs: number, onIdle: () => void): IdleTimer {
  let lastTouch = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state = {
    fired: false,
    touch: () => {
      lastTouch = Date.now();
    },
    stop: () => clearTimeout(timer),
  };
  const arm = (delayMs: number) => {
    timer = setTimeout(() => {
      const silentMs = Date.now() - lastTouch;
      if (silentMs < timeoutMs) return arm(timeoutMs - silentMs);
      state.fired = true;
      onIdle();
    }, delayMs);
  };
  if (timeoutMs > 0) arm(timeoutMs);
  return state;
}
