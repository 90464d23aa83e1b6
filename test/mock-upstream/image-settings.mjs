// @ts-check
// What an image request asks for, read the same way from a JSON body (generations) or form
// fields (edits, variations), and the tokens the gpt-image models bill for it.

import { field, files } from './multipart.mjs';
import { countTokens } from './tokens.mjs';

/** @typedef {import('./exchange.mjs').Exchange} Exchange */
/** @typedef {'generation' | 'edit' | 'variation'} Kind */

const GPT_IMAGE = /^(gpt-image|chatgpt-image)/;
/** Output tokens per gpt-image-1 image by quality: [square, portrait or landscape]. */
const OUTPUT_TOKENS = /** @type {Record<string, [number, number]>} */ ({
  low: [272, 408],
  medium: [1056, 1584],
  high: [4160, 6240],
});
/** Input tokens an input image costs an edit. */
const IMAGE_INPUT_TOKENS = 65;

/**
 * The request's settings from a JSON body (generations) or form fields (edits, variations).
 * @param {Exchange} ex @param {Kind} kind
 */
export function settingsOf(ex, kind) {
  const parts = ex.form?.ok ? ex.form.parts : [];
  /** @param {string} name @returns {unknown} */
  const get = (name) => (kind === 'generation' ? ex.body?.[name] : field(parts, name));
  const model = String(get('model') ?? 'dall-e-2');
  const gpt = GPT_IMAGE.test(model);
  const quality = String(get('quality') ?? 'auto');
  const size = String(get('size') ?? 'auto');
  return {
    model,
    gpt,
    prompt: get('prompt') === undefined ? undefined : String(get('prompt')),
    n: Math.max(1, Number(get('n') ?? 1) || 1),
    size: size === 'auto' ? '1024x1024' : size,
    quality: gpt ? (OUTPUT_TOKENS[quality] ? quality : 'medium') : quality === 'hd' ? 'hd' : 'standard',
    b64: gpt || get('response_format') === 'b64_json',
    stream: get('stream') === true || get('stream') === 'true',
    partials: Math.min(3, Math.max(0, Number(get('partial_images') ?? 0) || 0)),
    inputImages: files(parts, 'image').length,
  };
}

/** @param {ImageSettings} s */
export function usageOf(s) {
  const text = countTokens(s.prompt ?? '');
  const image = s.inputImages * IMAGE_INPUT_TOKENS;
  const [square, oblong] = OUTPUT_TOKENS[s.quality] ?? [0, 0];
  const output = s.n * (s.size === '1024x1024' ? square : oblong);
  return {
    input_tokens: text + image,
    input_tokens_details: { text_tokens: text, image_tokens: image },
    output_tokens: output,
    total_tokens: text + image + output,
  };
}

/** @typedef {ReturnType<typeof settingsOf>} ImageSettings */
