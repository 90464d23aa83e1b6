// What a model costs, in USD per million tokens, and what an answer cost. MODEL_PRICES adds to
// or overrides this table; a model with no price costs 0 and is flagged as unpriced.
import type { Usage } from './usage';

export interface Price {
  readonly input: number;
  readonly output: number;
  /** Prompt tokens the provider served from its prompt cache; `input` when it has no such rate. */
  readonly cachedInput?: number;
  /**
   * The most output tokens one answer of this model can have: what a request that sets no bound
   * of its own is reserved for, so a budget holds against a burst of long answers.
   */
  readonly maxOutput?: number;
  /** Audio transcription and translation: USD per minute of audio. */
  readonly perMinute?: number;
  /** Speech: USD per million characters of input text. */
  readonly perMillionChars?: number;
  /** Images: USD per image, by `quality/size` (or `size` alone where the model has one quality). */
  readonly perImage?: Readonly<Record<string, number>>;
}

/**
 * OpenAI's list prices, standard tier, USD per 1M tokens, as published on
 * https://platform.openai.com/docs/pricing and checked on 2026-06-20 (the gpt-5.4 and gpt-5.5
 * rows as reported from that page in June 2026), with each model's maximum output tokens from
 * its model page. Prices change: verify them, and set MODEL_PRICES for your own rates, other
 * providers, or fine-tunes.
 */
export const OPENAI_PRICES: Readonly<Record<string, Price>> = {
  'gpt-5.5': { input: 5, cachedInput: 0.5, output: 30, maxOutput: 128_000 },
  'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15, maxOutput: 128_000 },
  'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5, maxOutput: 128_000 },
  'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25, maxOutput: 128_000 },
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10, maxOutput: 128_000 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2, maxOutput: 128_000 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4, maxOutput: 128_000 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8, maxOutput: 32_768 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6, maxOutput: 32_768 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4, maxOutput: 32_768 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10, maxOutput: 16_384 },
  // The first gpt-4o snapshot kept its launch price and a smaller output window.
  'gpt-4o-2024-05-13': { input: 5, output: 15, maxOutput: 4_096 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6, maxOutput: 16_384 },
  o3: { input: 2, cachedInput: 0.5, output: 8, maxOutput: 100_000 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4, maxOutput: 100_000 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4, maxOutput: 100_000 },
  o1: { input: 15, cachedInput: 7.5, output: 60, maxOutput: 100_000 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5, maxOutput: 4_096 },
  'text-embedding-3-small': { input: 0.02, output: 0, maxOutput: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0, maxOutput: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0, maxOutput: 0 },
  // Moderation is free; it is priced so that a dollar budget admits it.
  'omni-moderation-latest': { input: 0, output: 0, maxOutput: 0 },
  'text-moderation-latest': { input: 0, output: 0, maxOutput: 0 },
  // Speech: per character of input (gpt-4o-mini-tts is billed per token; about $0.015 a minute,
  // which at roughly 1,000 characters a minute is $15 per million characters).
  'tts-1': { input: 0, output: 0, perMillionChars: 15 },
  'tts-1-hd': { input: 0, output: 0, perMillionChars: 30 },
  'gpt-4o-mini-tts': { input: 0, output: 0, perMillionChars: 15 },
  // Transcription: per minute, or per token where the answer reports tokens (audio input rate).
  'whisper-1': { input: 0, output: 0, perMinute: 0.006 },
  'gpt-4o-transcribe': { input: 6, output: 10, perMinute: 0.006 },
  'gpt-4o-mini-transcribe': { input: 3, output: 5, perMinute: 0.003 },
  // Images: per image by quality and size; gpt-image-1 also per token when it reports usage.
  'dall-e-2': { input: 0, output: 0, perImage: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 } },
  'dall-e-3': {
    input: 0,
    output: 0,
    perImage: {
      'standard/1024x1024': 0.04,
      'standard/1024x1792': 0.08,
      'standard/1792x1024': 0.08,
      'hd/1024x1024': 0.08,
      'hd/1024x1792': 0.12,
      'hd/1792x1024': 0.12,
    },
  },
  'gpt-image-1': {
    input: 10,
    output: 40,
    perImage: {
      'low/1024x1024': 0.011,
      'low/1024x1536': 0.016,
      'low/1536x1024': 0.016,
      'medium/1024x1024': 0.042,
      'medium/1024x1536': 0.063,
      'medium/1536x1024': 0.063,
      'high/1024x1024': 0.167,
      'high/1024x1536': 0.25,
      'high/1536x1024': 0.25,
    },
  },
};

/**
 * OpenAI's fees for the Responses API's built-in tools, USD per call (code interpreter: per
 * container), which `usage` does not report. Web search is at its dearest rate (non-reasoning
 * models): a budget must not be overshot because a cheaper rate was assumed. MODEL_PRICES can
 * set any of them, or price another tool, as `{"web_search": {"perCall": 0.01}}`.
 */
export const OPENAI_TOOL_PRICES: Readonly<Record<string, number>> = {
  web_search: 0.025,
  web_search_preview: 0.025,
  file_search: 0.0025,
  code_interpreter: 0.03,
};

/** A dated snapshot of a model: `-2024-07-18`, or the older `-0613` style. */
const SNAPSHOT = /-(\d{4}-\d{2}-\d{2}|\d{4})$/;

/**
 * The price for a model id: exact, else that of the model a dated snapshot belongs to
 * (`gpt-4o-mini-2024-07-18` is `gpt-4o-mini`). Nothing else inherits a price: `o1-pro` is not
 * `o1`, and must be priced on its own (MODEL_PRICES) or count as unpriced.
 */
export function priceOf(model: string, prices: Readonly<Record<string, Price>>): Price | undefined {
  return prices[model] ?? prices[model.replace(SNAPSHOT, '')];
}

const PER_TOKEN = 1 / 1_000_000;

/**
 * USD for `usage` at `price`: cached prompt tokens at the cached rate, the rest at full rates,
 * and each billed tool call at its fee (`toolPrices`).
 */
export function costOf(
  usage: Usage,
  price: Price,
  toolPrices: Readonly<Record<string, number>> = {},
): number {
  const cached = Math.min(usage.cachedInput ?? 0, usage.input);
  const tokens =
    (usage.input - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    usage.output * price.output;
  const calls = Object.entries(usage.toolCalls ?? {}).reduce(
    (sum, [tool, count]) => sum + count * (toolPrices[tool] ?? 0),
    0,
  );
  const audio =
    usage.seconds !== undefined && price.perMinute !== undefined ? (usage.seconds / 60) * price.perMinute : 0;
  return tokens * PER_TOKEN + calls + audio;
}
