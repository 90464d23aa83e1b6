// @ts-check
// Stored responses: the current object, the input items, the history a later
// previous_response_id continues from, the stream events (resumable), and the run of a
// background response, which completes on its own clock and can be cancelled.

import { ClientGone, sleep } from './sse.mjs';
import { EventLog } from './event-log.mjs';
import { outputItem, responseObject } from './responses.mjs';
import { responseEvents } from './response-events.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').Piece} Piece */
/** @typedef {import('./items.mjs').Item} Item */
/** @typedef {import('./response-events.mjs').ResponseEvent} ResponseEvent */
/** @typedef {import('./state.mjs').MockState} MockState */

/**
 * @typedef {{ id: string, turn: Turn, object: ReturnType<typeof responseObject>, input: Item[],
 *   history: Item[], log: EventLog, run: AbortController | null,
 *   onComplete: (output: Item) => void }} StoredResponse
 */

/**
 * @param {MockState} state @param {Turn} turn
 * @param {{ input: Item[], context: Item[], store: boolean, background: boolean,
 *   onComplete: (output: Item) => void }} init
 * @returns {StoredResponse}
 */
export function storeResponse(state, turn, { input, context, store, background, onComplete }) {
  /** @type {StoredResponse} */
  const entry = {
    id: turn.id,
    turn,
    object: responseObject(turn, background ? 'queued' : 'in_progress'),
    input,
    history: [...context, ...input],
    log: new EventLog(),
    run: background ? new AbortController() : null,
    onComplete,
  };
  // store: false keeps nothing; a background response is always kept, or nothing could fetch it.
  if (store || background) state.responses.set(entry.id, entry);
  return entry;
}

/** The response is done: its object, history and conversation gain the output. @param {StoredResponse} entry @param {ResponseEvent[]} closing */
export function completeResponse(entry, closing) {
  const output = /** @type {Item} */ (outputItem(entry.turn, 'completed'));
  entry.object = responseObject(entry.turn, 'completed');
  entry.history.push(output);
  entry.log.push(...closing);
  entry.log.end();
  entry.onComplete(output);
}

/** A foreground response completes as it is answered. @param {StoredResponse} entry @param {Piece[]} pieces */
export function completeAtOnce(entry, pieces) {
  const events = responseEvents(entry.turn);
  entry.log.push(...events.start('in_progress'), ...events.open(), ...pieces.map(events.piece));
  completeResponse(entry, events.close());
}

/**
 * Runs a background response: queued for `queuedMs`, then its deltas paced by `paceMs` (or
 * one gate release each), then completed; cancel() or the mock's close() stops it.
 * @param {StoredResponse} entry
 * @param {{ pieces: Piece[], queuedMs: number, paceMs: number, gate: ((signal: AbortSignal) => Promise<void>) | null, shutdown: AbortSignal }} plan
 */
export async function runInBackground(entry, { pieces, queuedMs, paceMs, gate, shutdown }) {
  const run = entry.run ?? new AbortController();
  const stop = () => run.abort();
  shutdown.addEventListener('abort', stop, { once: true });
  const events = responseEvents(entry.turn);
  entry.log.push(...events.start('queued'));
  try {
    await sleep(queuedMs, run.signal);
    entry.object = responseObject(entry.turn, 'in_progress');
    entry.log.push(...events.open());
    for (const [i, piece] of pieces.entries()) {
      if (i > 0 && gate) await gate(run.signal);
      else if (i > 0 && paceMs > 0) await sleep(paceMs, run.signal);
      entry.log.push(events.piece(piece));
    }
    completeResponse(entry, events.close());
  } catch (err) {
    if (!(err instanceof ClientGone)) throw err;
    entry.log.end(); // cancelled, deleted or shut down: the stream just stops
  } finally {
    shutdown.removeEventListener('abort', stop);
  }
}

/** Cancels a running background response. @param {StoredResponse} entry */
export function cancelResponse(entry) {
  entry.object = responseObject(entry.turn, 'cancelled');
  entry.run?.abort();
}
