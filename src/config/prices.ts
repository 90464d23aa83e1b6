// Parses MODEL_PRICES: `{"my-model": {"input": 0.5, "output": 1.5, "cachedInput": 0.25}}`, USD per
// million tokens, laid over the built-in OpenAI table.
import type { Price } from '../usage/prices';
import { ConfigError, jsonSetting, type RawEnv } from './values';

const isRate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

export function parsePrices(env: RawEnv): Record<string, Price> {
  const value = jsonSetting(env, 'MODEL_PRICES');
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'MODEL_PRICES',
      'MODEL_PRICES must be a JSON object of model → {"input", "output"}.',
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([model, price]: [string, unknown]) => {
      const { input, output, cachedInput } = (price ?? {}) as Record<string, unknown>;
      if (!isRate(input) || !isRate(output) || (cachedInput !== undefined && !isRate(cachedInput))) {
        throw new ConfigError(
          'MODEL_PRICES',
          `MODEL_PRICES "${model}": "input" and "output" (and "cachedInput", if set) must be USD per million tokens.`,
        );
      }
      return [model, { input, output, ...(cachedInput === undefined ? {} : { cachedInput }) }];
    }),
  );
}
