// Parses MODEL_PRICES: `{"my-model": {"input": 0.5, "output": 1.5, "cachedInput": 0.25,
// "maxOutput": 8192}}`, USD per million tokens (and the most output tokens one answer can have),
// and `{"web_search": {"perCall": 0.01}}` for a built-in tool billed per call; both laid over the
// built-in OpenAI tables.
import type { Price } from '../accounting/prices';
import { isObject } from '../lib/json';
import { ConfigError, jsonSetting, type RawEnv } from './values';

const isRate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isTokenCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export interface PriceTables {
  readonly models: Record<string, Price>;
  /** USD per call, by tool type. */
  readonly tools: Record<string, number>;
}

/** By position, not name: a configured string is never repeated in an error. */
const invalid = (position: number, rule: string) =>
  new ConfigError('MODEL_PRICES', `MODEL_PRICES entry ${position}: ${rule}`);

function parseEntry(price: unknown, position: number): Price | { perCall: number } {
  const fields: Record<string, unknown> = isObject(price) ? price : {};
  if ('perCall' in fields && Object.keys(fields).length === 1) {
    if (!isRate(fields['perCall'])) throw invalid(position, '"perCall" must be USD per call.');
    return { perCall: fields['perCall'] };
  }
  const { input, output, cachedInput, maxOutput, perMinute, perMillionChars, perImage } = fields;
  // A speech, transcription or image price may stand without token rates.
  const media = perMinute !== undefined || perMillionChars !== undefined || perImage !== undefined;
  const optional = (value: unknown, check: (value: unknown) => boolean) =>
    value === undefined || check(value);
  const valid =
    (media ? optional(input, isRate) && optional(output, isRate) : isRate(input) && isRate(output)) &&
    optional(cachedInput, isRate) &&
    optional(maxOutput, isTokenCount) &&
    optional(perMinute, isRate) &&
    optional(perMillionChars, isRate) &&
    optional(perImage, (table) => isObject(table) && Object.values(table).every(isRate));
  if (!valid) {
    throw invalid(
      position,
      '"input" and "output" (and "cachedInput", if set) must be USD per million tokens, "maxOutput", if set, a whole number of tokens; "perMinute", "perMillionChars" and "perImage" (by "quality/size") price audio and images; a tool billed per call has only "perCall".',
    );
  }
  return {
    input: isRate(input) ? input : 0,
    output: isRate(output) ? output : 0,
    ...(cachedInput === undefined ? {} : { cachedInput: cachedInput as number }),
    ...(maxOutput === undefined ? {} : { maxOutput: maxOutput as number }),
    ...(perMinute === undefined ? {} : { perMinute: perMinute as number }),
    ...(perMillionChars === undefined ? {} : { perMillionChars: perMillionChars as number }),
    ...(perImage === undefined ? {} : { perImage: perImage as Record<string, number> }),
  };
}

export function parsePrices(env: RawEnv): PriceTables {
  const value = jsonSetting(env, 'MODEL_PRICES');
  if (value === undefined) return { models: {}, tools: {} };
  if (!isObject(value)) {
    throw new ConfigError(
      'MODEL_PRICES',
      'MODEL_PRICES must be a JSON object of model → {"input", "output"}.',
    );
  }
  const tables: PriceTables = { models: {}, tools: {} };
  Object.entries(value).forEach(([name, price], index) => {
    const parsed = parseEntry(price, index + 1);
    if ('perCall' in parsed) tables.tools[name] = parsed.perCall;
    else tables.models[name] = parsed;
  });
  return tables;
}
