// @ts-check
// Test scenarios selected by the request body's `x_mock` object. Each one controls
// *delivery* (pacing, gating, breaking) of an endpoint's normal event sequence, so
// break/stall/gated/chunks work for chat, completions and responses streams alike.

import { ClientGone, flushed, forever, sleep, write } from './sse.mjs';
import { wordPieces } from './tokens.mjs';

/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('./wire.mjs').Piece} Piece */
/** @typedef {import('./wire.mjs').StreamFormat} StreamFormat */

/**
 * @param {unknown} v @param {number} fallback
 * @returns {number}
 */
export const num = (v, fallback) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);

/**
 * Decides what text gets streamed: the echo answer word by word, or synthetic
 * content whose size/count the benchmark controls.
 * @param {string} scenario @param {Record<string, unknown>} x @param {string[]} answers
 * @returns {{ pieces: Piece[], answers: string[] }}
 */
export function planPieces(scenario, x, answers) {
  if (scenario === 'chunks') {
    const size = num(x.size, 10);
    const pieces = Array.from({ length: num(x.count, 100) }, (_, seq) => ({
      text: String.fromCharCode(97 + (seq % 26)).repeat(size),
      seq,
    }));
    return { pieces, answers: [pieces.map((p) => p.text).join('')] };
  }
  if (scenario === 'gated') {
    const text = Array.from({ length: num(x.count, 3) }, (_, k) => `part${k}`).join(' ');
    return { pieces: wordPieces(text).map((t) => ({ text: t })), answers: [text] };
  }
  return { pieces: answers.flatMap((a, index) => wordPieces(a).map((text) => ({ text, index }))), answers };
}

/**
 * Releases for `gated` streams. A release that arrives before anyone waits is
 * banked, because the test's release request can race the upstream request.
 */
export function createGates() {
  /** @type {Map<string, Array<() => void>>} */
  const waiting = new Map();
  /** @type {Map<string, number>} */
  const banked = new Map();
  return {
    /** @param {string} tag @param {AbortSignal} signal @returns {Promise<void>} */
    wait(tag, signal) {
      const credit = banked.get(tag) ?? 0;
      if (credit > 0) {
        banked.set(tag, credit - 1);
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const queue = waiting.get(tag) ?? [];
        waiting.set(tag, queue);
        const go = () => {
          signal.removeEventListener('abort', gone);
          resolve();
        };
        // A dead waiter must not swallow a later release meant for a live one.
        const gone = () => {
          const at = queue.indexOf(go);
          if (at !== -1) queue.splice(at, 1);
          reject(new ClientGone());
        };
        queue.push(go);
        signal.addEventListener('abort', gone, { once: true });
      });
    },
    /** @param {string} tag @returns {boolean} whether a waiting stream was released */
    release(tag) {
      const go = waiting.get(tag)?.shift();
      if (go) go();
      else banked.set(tag, (banked.get(tag) ?? 0) + 1);
      return Boolean(go);
    },
    clearBanked: () => banked.clear(),
  };
}

/**
 * @typedef {{ res: ServerResponse, signal: AbortSignal, scenario: string,
 *   delayMs: number, sentAt: number[], gate: () => Promise<void>,
 *   destroy: () => void }} StreamCtx
 */

/** @param {StreamCtx} ctx @param {StreamFormat} format @param {Piece[]} pieces */
export async function runStream(ctx, format, pieces) {
  const { res, signal, scenario } = ctx;
  const timed = scenario === 'chunks' || scenario === 'gated';
  for (const frame of format.head()) await write(res, frame, signal);
  for (const [i, piece] of pieces.entries()) {
    if (scenario === 'break' && i === 2) break;
    if (scenario === 'stall' && i === 1) break;
    if (i > 0 && scenario === 'gated') await ctx.gate();
    else if (i > 0 && ctx.delayMs > 0) await sleep(ctx.delayMs, signal);
    await write(res, format.piece(piece), signal);
    if (timed) ctx.sentAt.push(performance.now());
  }
  if (scenario === 'break') {
    await flushed(res);
    return ctx.destroy();
  }
  if (scenario === 'stall') return forever(signal);
  for (const frame of format.tail()) await write(res, frame, signal);
  res.end();
}

// ---- split: a fixed, hostile byte sequence --------------------------------------

const SPLIT_BASE = {
  id: 'chatcmpl-mock-split',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'echo-1',
  service_tier: 'default',
  system_fingerprint: 'fp_mock',
};
/** @param {object} delta @param {string | null} finish */
const splitChunk = (delta, finish) => ({
  ...SPLIT_BASE,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  usage: null,
});
const SPLIT_LINES = [
  `data: ${JSON.stringify(splitChunk({ role: 'assistant', content: '', refusal: null }, null))}`,
  ': keep-alive',
  ...['héllo ', '👋 ', 'wörld'].map((content) => `data: ${JSON.stringify(splitChunk({ content }, null))}`),
  `data: ${JSON.stringify(splitChunk({}, 'stop'))}`,
  `data: ${JSON.stringify({
    ...SPLIT_BASE,
    choices: [],
    usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
  })}`,
  'data: [DONE]',
];
const SPLIT_BYTES = Buffer.from(SPLIT_LINES.map((l) => `${l}\r\n\r\n`).join(''), 'utf8');

/** Offsets chosen to hit every place a naive SSE reader gets wrong. */
function defaultSplitOffsets() {
  const b = SPLIT_BYTES;
  const at = new Set();
  for (let i = 64; i < b.length; i += 64) at.add(i);
  for (const ch of ['é', 'ö']) at.add(b.indexOf(ch) + 1);
  const wave = b.indexOf('👋');
  at.add(wave + 1).add(wave + 3); // a 4-byte emoji cut into 1 + 2 + 1 bytes
  at.add(2).add(b.indexOf('[DONE]') + 3); // "da|ta:" and "[DO|NE]"
  // Alternate between cutting the first and the second CRLF of each terminator.
  let n = 0;
  for (let p = b.indexOf('\r\n\r\n'); p !== -1; p = b.indexOf('\r\n\r\n', p + 4))
    at.add(p + (n++ % 2 ? 3 : 1));
  return [...at].filter((o) => o > 0 && o < b.length).sort((x, y) => x - y);
}
const SPLIT_OFFSETS = defaultSplitOffsets();

/** The exact bytes the `split` scenario sends as its response body. */
export const splitScenarioBytes = () => new Uint8Array(SPLIT_BYTES);
/** Where the `split` scenario cuts those bytes into separate writes (unless x_mock.splitAt). */
export const splitScenarioOffsets = () => [...SPLIT_OFFSETS];

/** @param {StreamCtx} ctx @param {Record<string, unknown>} x */
export async function runSplit(ctx, x) {
  const custom = Array.isArray(x.splitAt) ? x.splitAt.filter((o) => Number.isInteger(o)) : null;
  const cuts = (custom ?? SPLIT_OFFSETS).filter((o) => o > 0 && o < SPLIT_BYTES.length);
  const bounds = [0, ...new Set(cuts.sort((p, q) => p - q)), SPLIT_BYTES.length];
  const gap = num(x.gapMs, 5);
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (i > 0 && gap > 0) await sleep(gap, ctx.signal);
    await write(ctx.res, SPLIT_BYTES.subarray(bounds[i], bounds[i + 1]), ctx.signal);
  }
  ctx.res.end();
}
