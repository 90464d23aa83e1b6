// @ts-check
// POST /v1/images/generations (JSON), /edits and /variations (multipart). dall-e answers URLs
// (served by this mock) or base64; the gpt-image models always base64, with token usage, and
// stream partial images as named events when asked.

import { eventFrame, write } from './sse.mjs';
import { errors } from './errors.mjs';
import { rejectUnknownModel, withUsage } from './generate.mjs';
import { files } from './multipart.mjs';
import { fnv1a } from './embeddings.mjs';
import { solidPng } from './png.mjs';
import { settingsOf, usageOf } from './image-settings.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {import('./state.mjs').MockState} MockState */
/** @typedef {import('./image-settings.mjs').Kind} Kind */

/** The image for one prompt and index: a colour derived from both. @param {string} prompt @param {number} i */
const colorOf = (prompt, i) => fnv1a(`${i}:${prompt}`) & 0xffffff;

/** @param {Exchange} ex @param {number} rgb */
function imageUrl(ex, rgb) {
  const hex = rgb.toString(16).padStart(6, '0');
  // Real URLs are signed and expire after an hour; these carry the same kind of query.
  return `http://${ex.req.headers.host}/__mock/images/img-${hex}.png?se=2099-01-01T00%3A00%3A00Z&sig=mock`;
}

/** @param {Exchange} ex @param {MockState} state @param {Kind} kind */
async function answerImages(ex, state, kind) {
  const s = settingsOf(ex, kind);
  if (kind !== 'generation' && s.inputImages === 0) return ex.sendJson(400, errors.missingParam('image'));
  if (kind !== 'variation' && s.prompt === undefined) return ex.sendJson(400, errors.missingParam('prompt'));
  if (rejectUnknownModel(ex, state, s.model)) return;
  if (s.stream && !s.gpt) return ex.sendJson(400, errors.unsupportedValue('stream', true));
  const prompt = s.prompt ?? `variation of ${files(ex.form?.ok ? ex.form.parts : [], 'image')[0]?.filename}`;
  const colors = Array.from({ length: s.n }, (_, i) => colorOf(prompt, i));
  const created = Math.floor(Date.now() / 1000);
  if (s.stream) return streamImage(ex, { s, kind, color: colors[0] ?? 0, created });
  if (!s.gpt) {
    const data = colors.map((rgb) => ({
      ...(s.model === 'dall-e-3' ? { revised_prompt: `A detailed image of ${prompt}` } : {}),
      ...(s.b64 ? { b64_json: solidPng(rgb).toString('base64') } : { url: imageUrl(ex, rgb) }),
    }));
    return ex.sendJson(200, { created, data });
  }
  const data = colors.map((rgb) => ({ b64_json: solidPng(rgb).toString('base64') }));
  const { quality, size } = s;
  const answer = {
    created,
    background: 'opaque',
    data,
    output_format: 'png',
    quality,
    size,
    usage: usageOf(s),
  };
  ex.sendJson(200, withUsage(answer, ex.x));
}

/**
 * `partial_images` partial events (lighter versions), then the completed one with the usage.
 * @param {Exchange} ex
 * @param {{ s: import('./image-settings.mjs').ImageSettings, kind: Kind, color: number, created: number }} plan
 */
async function streamImage(ex, { s, kind, color, created }) {
  const prefix = kind === 'edit' ? 'image_edit' : 'image_generation';
  const common = {
    background: 'opaque',
    created_at: created,
    output_format: 'png',
    quality: s.quality,
    size: s.size,
  };
  ex.startSse();
  for (let i = 0; i < s.partials; i++) {
    const type = `${prefix}.partial_image`;
    const b64_json = solidPng(color | (0x303030 >> i)).toString('base64');
    await write(ex.res, eventFrame(type, { type, b64_json, ...common, partial_image_index: i }), ex.signal);
  }
  const type = `${prefix}.completed`;
  const b64_json = solidPng(color).toString('base64');
  await write(
    ex.res,
    eventFrame(type, { type, b64_json, ...common, usage: usageOf({ ...s, n: 1 }) }),
    ex.signal,
  );
  ex.res.end();
}

/** @param {Exchange} ex @param {MockState} state */
export const generateImages = (ex, state) => answerImages(ex, state, 'generation');
/** @param {Exchange} ex @param {MockState} state */
export const editImages = (ex, state) => answerImages(ex, state, 'edit');
/** @param {Exchange} ex @param {MockState} state */
export const varyImages = (ex, state) => answerImages(ex, state, 'variation');
