// @ts-check
// OpenAI wire shapes: every object here copies a field layout seen from api.openai.com,
// including fields clients ignore (refusal, logprobs, usage: null), so a proxy that
// re-serialises or filters bodies gets caught by byte/shape comparisons.

import { dataFrame, DONE_FRAME } from './sse.mjs';

/** Fixed so model listings (and anything cached from them) are reproducible. */
const MODEL_CREATED = 1700000000;
export const MODEL_IDS = ['echo-1', 'echo-slow', 'text-embedding-echo'];

/** @param {string} id */
export const modelObject = (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'mock' });
export const modelList = () => ({ object: 'list', data: MODEL_IDS.map(modelObject) });

/**
 * @param {string} message @param {string} type
 * @param {string | null} [param] @param {string | null} [code]
 */
export const errorBody = (message, type, param = null, code = null) => ({
  error: { message, type, param, code },
});

export const errors = {
  /** @param {string} method @param {string} path */
  invalidUrl: (method, path) => errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error'),
  invalidJson: () =>
    errorBody(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      'invalid_request_error',
    ),
  /** @param {string} name */
  missingParam: (name) =>
    errorBody(
      `Missing required parameter: '${name}'.`,
      'invalid_request_error',
      name,
      'missing_required_parameter',
    ),
  /** Real OpenAI rejects this, which bites proxies that inject include_usage everywhere. */
  streamOptionsWithoutStream: () =>
    errorBody(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'invalid_request_error',
      'stream_options',
    ),
  /** @param {string} id */
  modelNotFound: (id) =>
    errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found'),
  /**
   * Echoes the received key in full on purpose: the proxy under test must redact it.
   * @param {string | null} key
   */
  auth: (key) =>
    key === null
      ? errorBody(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
          'invalid_request_error',
        )
      : errorBody(
          `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
  /** @param {number} status */
  forStatus: (status) => {
    if (status === 429)
      return errorBody(
        'Rate limit reached for requests (mock). Please try again in 20ms.',
        'requests',
        null,
        'rate_limit_exceeded',
      );
    if (status >= 500)
      return errorBody(
        status === 503
          ? 'The engine is currently overloaded, please try again later.'
          : 'The server had an error while processing your request. Sorry about that!',
        'server_error',
      );
    if (status === 401) return errors.auth('sk-mock-invalid');
    if (status === 404) return errorBody('Not found (mock).', 'invalid_request_error', null, 'not_found');
    return errorBody(`Mock error with status ${status}.`, 'invalid_request_error');
  },
};

/**
 * Whitespace-separated words: a deterministic stand-in for tokens.
 * @param {string} text
 */
export const countTokens = (text) => text.split(/\s+/).filter(Boolean).length;

/**
 * Splits after each whitespace run so the pieces concatenate back to `text`
 * exactly, which is what clients rebuilding a message from deltas rely on.
 * @param {string} text
 */
export const wordPieces = (text) => text.split(/(?<=\s)(?=\S)/).filter(Boolean);

/** @param {number} p @param {number} c */
const chatUsage = (p, c) => ({
  prompt_tokens: p,
  completion_tokens: c,
  total_tokens: p + c,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/**
 * @typedef {{ id: string, created: number, model: string, answers: string[],
 *   promptTokens: number, includeUsage: boolean }} Turn
 * @typedef {{ text: string, index?: number, seq?: number }} Piece
 * @typedef {{ head: () => string[], piece: (p: Piece) => string, tail: () => string[] }} StreamFormat
 */

/** @param {Turn} t */
const completionTokens = (t) => t.answers.reduce((n, a) => n + countTokens(a), 0);

/** @param {Turn} t */
export const chatCompletion = (t) => ({
  id: t.id,
  object: 'chat.completion',
  created: t.created,
  model: t.model,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: t.answers[0], refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: chatUsage(t.promptTokens, completionTokens(t)),
  service_tier: 'default',
  system_fingerprint: 'fp_mock',
});

/** @param {Turn} t @returns {StreamFormat} */
export function chatStream(t) {
  /** @param {object} delta @param {string | null} finish @param {number} [seq] */
  const chunk = (delta, finish, seq) => ({
    id: t.id,
    object: 'chat.completion.chunk',
    created: t.created,
    model: t.model,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
    ...(seq === undefined ? {} : { seq }),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    // OpenAI adds `usage: null` to every chunk, but only once include_usage is on.
    ...(t.includeUsage ? { usage: null } : {}),
  });
  return {
    head: () => [dataFrame(chunk({ role: 'assistant', content: '', refusal: null }, null))],
    piece: (p) => dataFrame(chunk({ content: p.text }, null, p.seq)),
    tail: () => [
      dataFrame(chunk({}, 'stop')),
      ...(t.includeUsage
        ? [
            dataFrame({
              ...chunk({}, null),
              choices: [],
              usage: chatUsage(t.promptTokens, completionTokens(t)),
            }),
          ]
        : []),
      DONE_FRAME,
    ],
  };
}

/** @param {number} p @param {number} c */
const plainUsage = (p, c) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c });

/** @param {Turn} t @param {Array<{ text: string, index: number, logprobs: null, finish_reason: string | null }>} choices */
const textCompletion = (t, choices) => ({
  id: t.id,
  object: 'text_completion',
  created: t.created,
  model: t.model,
  choices,
  system_fingerprint: 'fp_mock',
});

/** @param {Turn} t */
export const completion = (t) => ({
  ...textCompletion(
    t,
    t.answers.map((text, index) => ({ text, index, logprobs: null, finish_reason: 'stop' })),
  ),
  usage: plainUsage(t.promptTokens, completionTokens(t)),
});

/** @param {Turn} t @returns {StreamFormat} */
export function completionStream(t) {
  return {
    head: () => [],
    piece: (p) =>
      dataFrame({
        ...textCompletion(t, [{ text: p.text, index: p.index ?? 0, logprobs: null, finish_reason: null }]),
        ...(p.seq === undefined ? {} : { seq: p.seq }),
      }),
    tail: () => [
      ...t.answers.map((_, index) =>
        dataFrame(textCompletion(t, [{ text: '', index, logprobs: null, finish_reason: 'stop' }])),
      ),
      ...(t.includeUsage
        ? [dataFrame({ ...textCompletion(t, []), usage: plainUsage(t.promptTokens, completionTokens(t)) })]
        : []),
      DONE_FRAME,
    ],
  };
}
