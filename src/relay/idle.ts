// The one watch both relays keep on a stream: silence too long (STREAM_IDLE_TIMEOUT_MS), or a
// stream that talks too long in all (STREAM_MAX_DURATION_MS), and it is ended.

export interface StreamLimits {
  /** Longest silence between upstream chunks; 0 = none. Keep-alive comments count as talk. */
  readonly idleTimeoutMs: number;
  /** Longest a stream may run in all, whatever it sends; 0 = none. */
  readonly maxDurationMs: number;
}

export interface StreamWatch {
  /** Something arrived: the silence starts again. Costs one clock read, no timer. */
  touch(): void;
  /** Why the watch ended the stream, once it has. */
  readonly fired: 'idle' | 'too_long' | undefined;
  stop(): void;
}

/**
 * One timer per stream rather than one per chunk: when it fires it checks how long the stream
 * has really been silent (and running) and re-arms for the remainder, so `touch()` on the hot
 * path is free.
 */
export function watchStream(limits: StreamLimits, onEnd: (why: 'idle' | 'too_long') => void): StreamWatch {
  const started = Date.now();
  let lastTouch = started;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state: StreamWatch & { fired: 'idle' | 'too_long' | undefined } = {
    fired: undefined,
    touch: () => {
      lastTouch = Date.now();
    },
    stop: () => clearTimeout(timer),
  };
  const { idleTimeoutMs, maxDurationMs } = limits;
  const arm = () => {
    const now = Date.now();
    const idleLeft = idleTimeoutMs > 0 ? idleTimeoutMs - (now - lastTouch) : Infinity;
    const durationLeft = maxDurationMs > 0 ? maxDurationMs - (now - started) : Infinity;
    if (idleLeft <= 0 || durationLeft <= 0) {
      state.fired = durationLeft <= 0 ? 'too_long' : 'idle';
      onEnd(state.fired);
      return;
    }
    if (idleLeft !== Infinity || durationLeft !== Infinity)
      timer = setTimeout(arm, Math.min(idleLeft, durationLeft));
  };
  arm();
  return state;
}
