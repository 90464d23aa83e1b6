// @ts-check
// POST /v1/audio/transcriptions and /translations (multipart): a deterministic "transcript"
// (the file itself when it is text), in each response_format, with the usage each model
// reports: seconds of audio for whisper-1, tokens for the gpt-4o transcribe models.

import { dataFrame, sleep, write } from './sse.mjs';
import { errors } from './errors.mjs';
import { rejectUnknownModel } from './generate.mjs';
import { countTokens, wordPieces } from './tokens.mjs';
import { field, fieldValues, files } from './multipart.mjs';
import { durationOf } from './audio-bytes.mjs';
import { subtitles, verbose } from './transcript-formats.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/** @typedef {import('./multipart.mjs').Part} Part */

/** UTF-8 text without control characters other than whitespace: echoed as its own transcript. @param {Buffer} data */
function asText(data) {
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    const decoded = text.decode(data);
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(decoded) ? null : decoded.trim();
  } catch {
    return null;
  }
}

/** @param {Part} file @param {boolean} translate */
const transcriptOf = (file, translate) =>
  asText(file.data) ??
  `${translate ? 'Translated' : 'Transcribed'} ${file.data.length} bytes of ${file.filename || 'audio'}`;

/** @param {string} text @param {string | undefined} prompt @param {number} seconds */
function tokenUsage(text, prompt, seconds) {
  const textTokens = prompt === undefined ? 0 : countTokens(prompt);
  const audioTokens = seconds * 10;
  const output = countTokens(text);
  return {
    type: 'tokens',
    input_tokens: textTokens + audioTokens,
    input_token_details: { text_tokens: textTokens, audio_tokens: audioTokens },
    output_tokens: output,
    total_tokens: textTokens + audioTokens + output,
  };
}

/** @param {Exchange} ex @param {MockState} state @param {boolean} translate */
async function transcribeOrTranslate(ex, state, translate) {
  const parts = ex.form?.ok ? ex.form.parts : [];
  const [file] = files(parts, 'file');
  if (!file) return ex.sendJson(400, errors.missingParam('file'));
  const model = field(parts, 'model');
  if (model === undefined) return ex.sendJson(400, errors.missingParam('model'));
  if (rejectUnknownModel(ex, state, model)) return;
  const format = field(parts, 'response_format') ?? 'json';
  const tokens = model !== 'whisper-1';
  // The gpt-4o transcribe models answer only json and text; only they stream.
  if (tokens && format !== 'json' && format !== 'text')
    return ex.sendJson(400, errors.unsupportedValue('response_format', format));
  const stream = !translate && field(parts, 'stream') === 'true';
  if (stream && !tokens) return ex.sendJson(400, errors.unsupportedValue('stream', true));
  const text = transcriptOf(file, translate);
  const seconds = durationOf(file.data);
  const prompt = field(parts, 'prompt');
  const usage = tokens ? tokenUsage(text, prompt, seconds) : { type: 'duration', seconds };
  if (stream) return streamTranscript(ex, state, { text, usage });
  if (format === 'text' || format === 'srt' || format === 'vtt') {
    ex.res.writeHead(200, ex.headers('text/plain; charset=utf-8'));
    return void ex.res.end(format === 'text' ? `${text}\n` : subtitles(format, text, seconds));
  }
  if (format === 'verbose_json') {
    const words = fieldValues(parts, 'timestamp_granularities').includes('word');
    const language = field(parts, 'language');
    return ex.sendJson(200, { ...verbose({ text, seconds, translate, language, words }), usage });
  }
  // Translations report no usage in their json form.
  ex.sendJson(200, translate ? { text } : { text, usage });
}

/**
 * `transcript.text.delta` per word, then `transcript.text.done` with the usage; no [DONE].
 * @param {Exchange} ex @param {MockState} state @param {{ text: string, usage: object }} done
 */
async function streamTranscript(ex, state, { text, usage }) {
  ex.startSse();
  for (const [i, delta] of wordPieces(text).entries()) {
    if (i > 0 && state.wordDelayMs > 0) await sleep(state.wordDelayMs, ex.signal);
    await write(ex.res, dataFrame({ type: 'transcript.text.delta', delta }), ex.signal);
  }
  await write(ex.res, dataFrame({ type: 'transcript.text.done', text, usage }), ex.signal);
  ex.res.end();
}

/** @param {Exchange} ex @param {MockState} state */
export const transcribe = (ex, state) => transcribeOrTranslate(ex, state, false);
/** @param {Exchange} ex @param {MockState} state */
export const translate = (ex, state) => transcribeOrTranslate(ex, state, true);
