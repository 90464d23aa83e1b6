// Parses MODEL_PRICES: `{"my-model": {"input": 0.5, "output": 1.5, "cachedInput": 0.25,
// "maxOutput": 8192}}`, USD per million tokens (and the most output tokens one answer can have),
// laid over the built-in OpenAI table.
import type { Price } from '../accounting/prices';
import { isObject } from '../lib/json';
import { ConfigError, jsonSetting, type RawEnv } from './values';

const isRate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isTokenCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function parsePrices(env: RawEnv): Record<string, Price> {
  const value = jsonSetting(env, 'MODEL_PRICES');
  if (value === undefined) return {};
  if (!isObject(value)) {
    throw new ConfigError(
      'MODEL_PRICES',
      'MODEL_PRICES must be a JSON object of model → {"input", "output"}.',
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([model, price], index): [string, Price] => {
      const { input, output, cachedInput, maxOutput } = isObject(price) ? price : {};
      const valid =
        isRate(input) &&
        isRate(output) &&
        (cachedInput === undefined || isRate(cachedInput)) &&
        (maxOutput === undefined || isTokenCount(maxOutput));
      if (!valid) {
        // By position, not name: a configured string is never repeated in an error.
        throw new ConfigError(
          'MODEL_PRICES',
          `MODEL_PRICES entry ${index + 1}: "input" and "output" (and "cachedInput", if set) must be USD per million tokens, and "maxOutput", if set, a whole number of tokens.`,
        );
      }
      return [
        model,
        {
          input,
          output,
          ...(cachedInput === undefined ? {} : { cachedInput }),
          ...(maxOutput === undefined ? {} : { maxOutput }),
        },
      ];
    }),
  );
}
