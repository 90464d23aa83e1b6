// @ts-check
// POST /v1/audio/speech: binary audio sent in several chunks with chunked transfer encoding (no
// Content-Length, as OpenAI streams it), or with `stream_format: "sse"` base64 audio deltas and
// a closing event that carries the usage.

import { dataFrame, write } from './sse.mjs';
import { errors } from './errors.mjs';
import { rejectUnknownModel } from './generate.mjs';
import { countTokens } from './tokens.mjs';
import { AUDIO_CONTENT_TYPES, audioBytes } from './audio-bytes.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */

/** Roughly how fast a voice reads. */
const CHARS_PER_SECOND = 15;
const CHUNKS = 8;

/** @param {Buffer} audio */
function chunksOf(audio) {
  const size = Math.max(1024, Math.ceil(audio.length / CHUNKS));
  /** @type {Buffer[]} */
  const chunks = [];
  for (let at = 0; at < audio.length; at += size) chunks.push(audio.subarray(at, at + size));
  return chunks;
}

/** @param {Exchange} ex @param {MockState} state */
export async function speak(ex, state) {
  const body = ex.body ?? {};
  const missing = ['model', 'input', 'voice'].find((k) => body[k] === undefined);
  if (missing) return ex.sendJson(400, errors.missingParam(missing));
  if (rejectUnknownModel(ex, state, body.model)) return;
  const format = typeof body.response_format === 'string' ? body.response_format : 'mp3';
  const contentType = AUDIO_CONTENT_TYPES[format];
  if (!contentType) return ex.sendJson(400, errors.unsupportedValue('response_format', format));
  const sse = body.stream_format === 'sse';
  // Only the gpt-4o TTS models stream events; tts-1 and tts-1-hd send audio only.
  if (sse && /^tts-1/.test(String(body.model)))
    return ex.sendJson(400, errors.unsupportedValue('stream_format', 'sse'));
  const text = String(body.input);
  const speed = typeof body.speed === 'number' && body.speed > 0 ? body.speed : 1;
  const seconds = Math.max(0.5, text.length / CHARS_PER_SECOND) / speed;
  const chunks = chunksOf(audioBytes(format, seconds));
  if (!sse) {
    ex.res.writeHead(200, ex.headers(contentType));
    for (const chunk of chunks) await write(ex.res, chunk, ex.signal);
    return void ex.res.end();
  }
  ex.startSse();
  for (const chunk of chunks)
    await write(
      ex.res,
      dataFrame({ type: 'speech.audio.delta', audio: chunk.toString('base64') }),
      ex.signal,
    );
  const input =
    countTokens(text) + (typeof body.instructions === 'string' ? countTokens(body.instructions) : 0);
  const output = Math.ceil(seconds * 10);
  const usage = { input_tokens: input, output_tokens: output, total_tokens: input + output };
  await write(ex.res, dataFrame({ type: 'speech.audio.done', usage }), ex.signal);
  ex.res.end();
}
