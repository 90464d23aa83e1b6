// Talking to the proxy: the model list, one chat request, its answer read as a stream or as JSON,
// what the proxy did (from the answer's headers), errors in OpenAI's words, and today's spend.

/** Not chat models: left out of the model list. */
const NOT_CHAT = /embed|whisper|tts|dall-e|moderation/;
/**
 * Speech models, in the order preferred: "Listen" uses the first the model list names, else the
 * first (providers do not all list their speech models; the proxy's answer then says why not).
 */
const SPEECH_MODELS = ['gpt-4o-mini-tts', 'tts-1'];
/** The most characters one speech request may carry (OpenAI's limit). */
export const SPEECH_MAX_CHARS = 4096;
/** The caller's limits, in the order shown; each unit has limit, remaining and reset headers. */
const LIMIT_UNITS = ['requests', 'tokens', 'usd'];

/** A failed answer, in OpenAI's words: its message and code, the HTTP status, and advice. */
export class AnswerError extends Error {
  /** @param {string} message @param {{ status?: number, code?: string | null, advice?: string }} [details] */
  constructor(message, { status, code = null, advice = '' } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.advice = advice;
  }
}

/** @param {string} key */
export const authHeaders = (key) => (key ? { authorization: `Bearer ${key}` } : {});

/** @param {Headers} headers @returns {number | null} seconds to wait, from retry-after(-ms) */
function retryAfterSeconds(headers) {
  const seconds = headers.get('retry-after');
  const ms = headers.get('retry-after-ms');
  if (seconds && /^\d+$/.test(seconds)) return Number(seconds);
  if (ms && /^\d+$/.test(ms)) return Math.ceil(Number(ms) / 100) / 10;
  return null;
}

/** Reads an error answer: OpenAI's `{"error": {message, code}}`, or the start of whatever came. */
export async function errorOf(/** @type {Response} */ response, /** @type {boolean} */ hasKey) {
  const text = await response.text().catch(() => '');
  let error = {};
  try {
    error = JSON.parse(text).error || {};
  } catch {}
  const message = error.message || text.slice(0, 300) || 'The proxy answered without an error message.';
  let advice = '';
  if (response.status === 401) {
    advice = hasKey
      ? "Use one of the proxy's client keys (PROXY_KEYS) or a client token, never a provider key."
      : 'Paste a client key in the settings (npm run dev prints one).';
  } else if (response.status === 429) {
    const wait = retryAfterSeconds(response.headers);
    advice = wait === null ? 'Retry later.' : `Retry after ${wait} s.`;
  }
  return new AnswerError(message, { status: response.status, code: error.code ?? null, advice });
}

/** The chat models and the aliases this key may use, each sorted. */
export async function listModels(/** @type {string} */ key) {
  const response = await fetch('/v1/models', { headers: authHeaders(key) });
  if (!response.ok) throw await errorOf(response, key !== '');
  const { data } = await response.json();
  // The proxy lists its aliases with owned_by "alias".
  const ids = (/** @type {boolean} */ aliases) =>
    data
      .filter((m) => (m.owned_by === 'alias') === aliases && !NOT_CHAT.test(m.id))
      .map((m) => m.id)
      .sort();
  const listed = new Set(data.map((/** @type {{ id: string }} */ m) => m.id));
  const speech = SPEECH_MODELS.find((id) => listed.has(id)) ?? SPEECH_MODELS[0];
  return { models: ids(false), aliases: ids(true), speech };
}

/**
 * The request body: the system message first, then the conversation so far, then the new message.
 * Temperature and the output limit are sent only when set.
 */
export function chatBody({ model, system, history, prompt, temperature, maxTokens, stream }) {
  const messages = [
    ...(system ? [{ role: 'system', content: system }] : []),
    ...history,
    { role: 'user', content: prompt },
  ];
  return {
    model,
    messages,
    ...(temperature !== null && { temperature }),
    ...(maxTokens !== null && { max_completion_tokens: maxTokens }),
    // Streams report usage only when asked: a last chunk with `choices: []` and `usage`.
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  };
}

/** What the proxy did, from the answer's headers; only the limits the caller has. */
export function proxyFacts(/** @type {Headers} */ headers) {
  return {
    cache: headers.get('x-cache'),
    cacheSource: headers.get('x-cache-source'),
    upstream: headers.get('x-upstream'),
    attempts: headers.get('x-upstream-attempts'),
    requestId: headers.get('x-request-id'),
    limits: LIMIT_UNITS.map((unit) => ({
      unit,
      limit: headers.get(`x-ratelimit-limit-${unit}`),
      remaining: headers.get(`x-ratelimit-remaining-${unit}`),
      reset: headers.get(`x-ratelimit-reset-${unit}`),
    })).filter((limit) => limit.limit !== null && limit.remaining !== null),
  };
}

/**
 * Yields each event's data from a text/event-stream body. Events end at a blank line, which may
 * arrive split across chunks; comment lines (":") and other fields are ignored.
 * @param {ReadableStream<Uint8Array>} body
 */
async function* sseData(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += chunk.value;
      let match;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      while ((match = /\r\n|\r(?!$)|\n/.exec(buffer))) {
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === '') {
          if (data.length) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * A streamed answer, piece by piece: `{ content }` for text, `{ usage }` for the usage chunk.
 * An error event, or a stream that stops before `[DONE]`, throws an AnswerError.
 * @param {ReadableStream<Uint8Array>} body
 */
export async function* streamedAnswer(body) {
  for await (const data of sseData(body)) {
    if (data === '[DONE]') return;
    const event = JSON.parse(data);
    if (event.error) {
      throw new AnswerError(event.error.message || 'The stream reported an error.', {
        code: event.error.code ?? null,
      });
    }
    const content = event.choices?.[0]?.delta?.content;
    if (content) yield { content };
    if (event.usage) yield { usage: event.usage };
  }
  throw new AnswerError('The stream ended before [DONE]; the answer may be incomplete.');
}

/** A whole JSON answer: its text (or refusal) and usage. */
export async function jsonAnswer(/** @type {Response} */ response) {
  const answer = await response.json();
  const message = answer.choices?.[0]?.message ?? {};
  return { content: message.content ?? message.refusal ?? '', usage: answer.usage ?? null };
}

/**
 * An answer read aloud: POST /v1/audio/speech through the proxy, the audio as it came.
 * @param {{ key: string, model: string, text: string }} request
 * @returns {Promise<Blob>}
 */
export async function speak({ key, model, text }) {
  const body = JSON.stringify({
    model,
    voice: 'alloy',
    input: text.slice(0, SPEECH_MAX_CHARS),
    response_format: 'mp3',
  });
  const headers = { 'content-type': 'application/json', ...authHeaders(key) };
  const response = await fetch('/v1/audio/speech', { method: 'POST', headers, body });
  if (!response.ok) throw await errorOf(response, key !== '');
  return response.blob();
}

/** False once the proxy said it has no GET /v1/me (404): then the page stops asking. */
let meAnswers = true;

/**
 * What the caller has spent today, in USD, from GET /v1/me when the proxy offers it; else
 * undefined, silently.
 */
export async function spentToday(/** @type {string} */ key) {
  if (!meAnswers) return undefined;
  try {
    const response = await fetch('/v1/me', { headers: authHeaders(key) });
    if (response.status === 404) meAnswers = false;
    if (!response.ok) return undefined;
    const me = await response.json();
    const usd = me?.spend?.usd_today ?? me?.spend?.today_usd ?? me?.usd_today;
    return typeof usd === 'number' && Number.isFinite(usd) ? usd : undefined;
  } catch {
    return undefined;
  }
}
