// Parses PROXY_KEYS: static client keys for servers, each with optional per-key limits.
import { ConfigError, isCount, list, parseDollars } from './values';

export interface ProxyKey {
  readonly key: string;
  /** Per-key limits; unset means unlimited, because the operator vouches for a server key. */
  readonly rpm?: number;
  readonly tpd?: number;
  /** Dollars per UTC day, in micro-dollars (`usd=5` is 5,000,000). */
  readonly usdMicros?: number;
  /** Model allow-list for this key (a trailing `*` matches a prefix). */
  readonly models?: readonly string[];
  /** Output tokens one request may ask for in all (`max_tokens=N`). */
  readonly maxTokens?: number;
}

const COUNT_OPTIONS = ['rpm', 'tpd', 'max_tokens'] as const;
const FIELD: Readonly<Record<(typeof COUNT_OPTIONS)[number], 'rpm' | 'tpd' | 'maxTokens'>> = {
  rpm: 'rpm',
  tpd: 'tpd',
  max_tokens: 'maxTokens',
};
type CountOption = (typeof COUNT_OPTIONS)[number];
const isCountOption = (name: string): name is CountOption =>
  (COUNT_OPTIONS as readonly string[]).includes(name);

/**
 * `PROXY_KEYS="key-a, key-b rpm=30 tpd=200000 usd=5 max_tokens=1024 models=gpt-4o-mini|text-embedding-*"`: entries are
 * comma-separated; options follow the key, separated by spaces. Errors cite the entry's position
 * and the rule, never the entry's text: a mistyped separator would make a key look like an option.
 */
export function parseProxyKeys(value: string | undefined): ProxyKey[] {
  return list(value).map((entry, index) => {
    const [key = '', ...options] = entry.split(/\s+/);
    const where = `PROXY_KEYS entry ${index + 1}`;
    const parsed: {
      key: string;
      rpm?: number;
      tpd?: number;
      usdMicros?: number;
      models?: string[];
      maxTokens?: number;
    } = { key };
    for (const option of options) {
      const [name = '', setting] = option.split('=', 2);
      if (name === 'models' && setting !== undefined) {
        parsed.models = setting.split('|').filter((model) => model !== '');
      } else if (name === 'usd' && setting !== undefined) {
        const micros = parseDollars(setting);
        if (micros === undefined) {
          throw new ConfigError(
            'PROXY_KEYS',
            `${where}: the value of usd must be an amount of US dollars such as 5 or 0.50.`,
          );
        }
        parsed.usdMicros = micros;
      } else if (isCountOption(name) && setting !== undefined) {
        if (!isCount(setting)) {
          throw new ConfigError(
            'PROXY_KEYS',
            `${where}: the value of ${name} must be a non-negative integer.`,
          );
        }
        parsed[FIELD[name]] = Number(setting);
      } else {
        throw new ConfigError(
          'PROXY_KEYS',
          `${where}: after the key only rpm=N, tpd=N, usd=N, max_tokens=N and models=a|b* may follow; separate keys with commas.`,
        );
      }
    }
    return Object.freeze(parsed);
  });
}
