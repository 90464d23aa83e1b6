// @ts-check
// SSE framing and paced socket writes shared by every streaming scenario.

/** @typedef {import('node:http').ServerResponse} ServerResponse */

/** Thrown when the client went away; handlers let it unwind and the server swallows it. */
export class ClientGone extends Error {
  constructor() {
    super('client closed the connection');
  }
}

/** @param {unknown} obj */
export const dataFrame = (obj) => `data: ${JSON.stringify(obj)}\n\n`;

/**
 * Responses API streams name every event, and OpenAI repeats the name inside `type`.
 * @param {string} name @param {unknown} obj
 */
export const eventFrame = (name, obj) => `event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`;

export const DONE_FRAME = 'data: [DONE]\n\n';

/**
 * Resolves after `ms`, or rejects with ClientGone once `signal` aborts, so a
 * paced stream stops as soon as its client (or close()) hangs up.
 * @param {number} ms @param {AbortSignal} signal @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ClientGone());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientGone());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for `signal` to abort, then rejects: a stall that only the client can end.
 * @param {AbortSignal} signal @returns {Promise<never>}
 */
export function forever(signal) {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(new ClientGone());
    signal.addEventListener('abort', () => reject(new ClientGone()), { once: true });
  });
}

/**
 * One res.write per call, so each frame leaves as its own HTTP chunk; waits for
 * 'drain' when the socket buffer is full so slow readers apply real backpressure.
 * @param {ServerResponse} res @param {string | Uint8Array} data @param {AbortSignal} signal
 */
export async function write(res, data, signal) {
  if (signal.aborted || res.destroyed) throw new ClientGone();
  if (res.write(data)) return;
  await new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(undefined);
    };
    const onAbort = () => {
      res.off('drain', onDrain);
      reject(new ClientGone());
    };
    res.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves once everything written so far has been handed to the kernel; used
 * before destroying a socket so the bytes before a "connection lost" still arrive.
 * @param {ServerResponse} res
 */
export function flushed(res) {
  return new Promise((resolve) => res.write('', () => resolve(undefined)));
}
