// When a request's remaining work is held open past its response (`waitUntil`). Work that must
// finish even if the client leaves (settlement, the log line, the ledger) is held; but a stream's
// own relay keeps the request alive while it runs, and holding it open through `waitUntil` from
// the start costs the runtime's native relay about a third more CPU per chunk (measured: 4 ms per
// 1,000-chunk stream). So for a stream, work is held from the moment it ends or its client leaves.

export interface Lifetime {
  /** Work that must finish even if the client leaves. */
  hold(work: Promise<unknown>): void;
  /**
   * The answer is a stream whose relay keeps the request alive until `ended`: hold work only
   * once it has ended, or once the client has gone (then nothing else would keep it alive).
   */
  streamUntil(ended: Promise<unknown>, clientGone: AbortSignal): void;
}

export function lifetime(ctx: ExecutionContext): Lifetime {
  let gate: Promise<void> | undefined;
  return {
    hold(work) {
      if (gate) void gate.then(() => ctx.waitUntil(work));
      else ctx.waitUntil(work);
    },
    streamUntil(ended, clientGone) {
      gate = new Promise<void>((open) => {
        void ended.then(
          () => open(),
          () => open(),
        );
        clientGone.addEventListener('abort', () => open(), { once: true });
      });
    },
  };
}
