// @ts-check
// The models the mock serves. A request naming any other model gets OpenAI's 404, so a typo
// fails offline the way it fails in production instead of echoing happily.

/** Fixed so model listings (and anything cached from them) are reproducible. */
const MODEL_CREATED = 1700000000;

/**
 * The mock's own models: what GET /v1/models lists by default. Proxies merge this list into
 * their catalogue and tests assert it exactly (`echo-*` lists two models), so it stays short.
 */
const LISTED = ['echo-1', 'echo-slow', 'text-embedding-echo'];

/**
 * Served and retrievable, not listed: a second echo model for failover tests, and the real
 * OpenAI ids apps are configured with, so a production config runs offline unchanged.
 */
const SERVED = [
  'echo-2',
  ...['gpt-3.5-turbo', 'gpt-3.5-turbo-16k', 'gpt-3.5-turbo-instruct', 'gpt-4', 'gpt-4-turbo'],
  ...['gpt-4-turbo-preview', 'gpt-4o', 'gpt-4o-mini', 'chatgpt-4o-latest', 'gpt-4.5-preview'],
  ...['gpt-4o-audio-preview', 'gpt-4o-mini-audio-preview', 'gpt-4o-search-preview'],
  ...['gpt-4o-mini-search-preview', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano'],
  ...['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-chat-latest', 'gpt-5-codex', 'gpt-5-pro'],
  ...['gpt-5.1', 'gpt-5.1-chat-latest', 'gpt-5.1-codex', 'gpt-5.1-codex-mini'],
  ...['gpt-5.2', 'gpt-5.2-chat-latest', 'gpt-5.2-pro'],
  ...['o1', 'o1-mini', 'o1-preview', 'o1-pro', 'o3', 'o3-mini', 'o3-pro', 'o3-deep-research'],
  ...['o4-mini', 'o4-mini-deep-research', 'codex-mini-latest', 'computer-use-preview'],
  ...['davinci-002', 'babbage-002'],
  ...['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'],
  ...['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe-diarize'],
  ...['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'],
  ...['dall-e-2', 'dall-e-3', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'chatgpt-image-latest'],
  ...['omni-moderation-latest', 'text-moderation-latest', 'text-moderation-stable'],
];

/** `gpt-4o-2024-08-06`, `gpt-3.5-turbo-0125`, `gpt-4-1106-preview`: a dated snapshot of a base id. */
const SNAPSHOT = /^(.+?)-(\d{4}-\d{2}-\d{2}|\d{4})(-preview)?$/;
/** `ft:gpt-4o-mini-2024-07-18:org::abc123`: a fine-tune of a served (maybe dated) model. */
const FINE_TUNE = /^ft:([^:]+):/;

/**
 * @param {{ models?: readonly string[] | undefined, extraModels?: readonly string[] | undefined }} options
 *   `models` replaces the catalogue (all listed); `extraModels` adds to it (listed too).
 */
export function createCatalogue({ models, extraModels = [] }) {
  const listed = [...new Set([...(models ?? LISTED), ...extraModels])];
  const served = new Set([...listed, ...(models ? [] : SERVED)]);
  /** @param {string} id @returns {boolean} */
  const serves = (id) => {
    if (served.has(id)) return true;
    const tuned = id.match(FINE_TUNE)?.[1];
    if (tuned !== undefined) return serves(tuned);
    const base = id.match(SNAPSHOT)?.[1];
    return base !== undefined && served.has(base);
  };
  /** @param {string} id */
  const object = (id) => ({
    id,
    object: 'model',
    created: MODEL_CREATED,
    owned_by: listed.includes(id) ? 'mock' : 'system',
  });
  return { serves, object, list: () => ({ object: 'list', data: listed.map(object) }) };
}

/** @typedef {ReturnType<typeof createCatalogue>} Catalogue */
