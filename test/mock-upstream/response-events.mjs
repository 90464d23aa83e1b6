// @ts-check
// Responses API stream events. Unlike chat, the stream is a sequence of *named* events with
// a global sequence_number, no [DONE], and the full response object is sent several times
// (created/in_progress without output, completed with it).

import { eventFrame } from './sse.mjs';
import { answerOf, messageId, outputItem, outputText, responseObject } from './responses.mjs';

/** @typedef {import('./wire.mjs').Turn} Turn */
/** @typedef {import('./wire.mjs').Piece} Piece */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */
/** @typedef {import('./responses.mjs').Status} Status */
/** @typedef {{ type: string, sequence_number: number } & Record<string, unknown>} ResponseEvent */

/**
 * The event objects of one response, in four stages so a background run can pause between
 * them: `start` (created, and queued for background), `open` (in_progress, the item added),
 * one `piece` per delta, and `close` (the item done, completed).
 * @param {Turn} t
 */
export function responseEvents(t) {
  let seq = 0;
  /** @param {string} type @param {object} fields @returns {ResponseEvent} */
  const ev = (type, fields) => ({ type, sequence_number: seq++, ...fields });
  const item = { item_id: t.call?.itemId ?? messageId(t), output_index: 0 };
  const at = { ...item, content_index: 0 };
  /** @param {Status} status */
  const snapshot = (status) => ({ response: responseObject(t, status) });
  return {
    /** @param {'queued' | 'in_progress'} status */
    start: (status) => [
      ev('response.created', snapshot(status)),
      ...(status === 'queued' ? [ev('response.queued', snapshot('queued'))] : []),
    ],
    open: () => [
      ev('response.in_progress', snapshot('in_progress')),
      ev('response.output_item.added', { output_index: 0, item: outputItem(t, 'in_progress') }),
      ...(t.call ? [] : [ev('response.content_part.added', { ...at, part: outputText('') })]),
    ],
    /** @param {Piece} p */
    piece: (p) =>
      t.call
        ? ev('response.function_call_arguments.delta', { ...item, delta: p.text })
        : ev('response.output_text.delta', {
            ...at,
            delta: p.text,
            logprobs: [],
            ...(p.seq === undefined ? {} : { seq: p.seq }),
          }),
    close: () => [
      ...(t.call
        ? [
            ev('response.function_call_arguments.done', {
              ...item,
              name: t.call.name,
              arguments: t.call.arguments,
            }),
          ]
        : [
            ev('response.output_text.done', { ...at, text: answerOf(t), logprobs: [] }),
            ev('response.content_part.done', { ...at, part: outputText(answerOf(t)) }),
          ]),
      ev('response.output_item.done', { output_index: 0, item: outputItem(t, 'completed') }),
      ev('response.completed', snapshot('completed')),
    ],
  };
}

/** @param {ResponseEvent} e */
export const responseFrame = (e) => eventFrame(e.type, e);

/** @param {Turn} t @returns {StreamFormat} */
export function responseStream(t) {
  const events = responseEvents(t);
  return {
    head: () => [...events.start('in_progress'), ...events.open()].map(responseFrame),
    piece: (p) => responseFrame(events.piece(p)),
    tail: () => events.close().map(responseFrame),
  };
}
