// @ts-check
// A stored response's stream events, kept so a client can resume the stream after the last
// event it saw (GET /v1/responses/{id}?stream=true&starting_after=N), live while it runs.

import { ClientGone, write } from './sse.mjs';
import { responseFrame } from './response-events.mjs';

/** @typedef {import('./response-events.mjs').ResponseEvent} ResponseEvent */

export class EventLog {
  /** @type {ResponseEvent[]} */
  events = [];
  ended = false;
  /** @type {Set<() => void>} */
  #waiters = new Set();

  /** @param {ResponseEvent[]} events */
  push(...events) {
    this.events.push(...events);
    this.#wake();
  }

  end() {
    this.ended = true;
    this.#wake();
  }

  #wake() {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Resolves at the next push or end; rejects with ClientGone once `signal` aborts. @param {AbortSignal} signal */
  changed(signal) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new ClientGone());
      const wake = () => {
        signal.removeEventListener('abort', gone);
        resolve(undefined);
      };
      const gone = () => {
        this.#waiters.delete(wake);
        reject(new ClientGone());
      };
      this.#waiters.add(wake);
      signal.addEventListener('abort', gone, { once: true });
    });
  }
}

/**
 * Writes the events after sequence number `after` as SSE, following the log until it ends.
 * @param {import('./exchange.mjs').Exchange} ex @param {EventLog} log @param {number} after
 */
export async function follow(ex, log, after) {
  ex.startSse();
  for (let next = 0; ;) {
    while (next < log.events.length) {
      const event = /** @type {ResponseEvent} */ (log.events[next++]);
      if (event.sequence_number > after) await write(ex.res, responseFrame(event), ex.signal);
    }
    if (log.ended) return void ex.res.end();
    await log.changed(ex.signal);
  }
}
