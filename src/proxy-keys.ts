// Parses PROXY_KEYS: static client keys for servers, each with optional per-key limits.
import { ConfigError, isCount, list } from './config-values';

export interface ProxyKey {
  readonly key: string;
  /** Per-key overrides; they replace the server-wide defaults for this key (0 = no limit). */
  readonly rpm?: number;
  readonly tpd?: number;
  /** Model allow-list for this key (a trailing `*` matches a prefix). */
  readonly models?: readonly string[];
}

/**
 * `PROXY_KEYS="key-a, key-b rpm=30 tpd=200000 models=gpt-4o-mini|text-embedding-*"`: entries are
 * comma-separated; options follow the key, separated by spaces. Errors cite the entry's position,
 * never its text, because the text is a secret.
 */
export function parseProxyKeys(value: string | undefined): ProxyKey[] {
  return list(value).map((entry, index) => {
    const [key = '', ...options] = entry.split(/\s+/);
    const parsed: { key: string; rpm?: number; tpd?: number; models?: string[] } = { key };
    for (const option of options) {
      const [name, setting = ''] = option.split('=', 2);
      const where = `PROXY_KEYS entry ${index + 1}`;
      if (name === 'models') {
        parsed.models = setting.split('|').filter((model) => model !== '');
      } else if ((name === 'rpm' || name === 'tpd') && isCount(setting)) {
        parsed[name] = Number(setting);
      } else {
        throw new ConfigError(`${where} has an invalid option "${name}" (use rpm=N, tpd=N or models=a|b*).`);
      }
    }
    return Object.freeze(parsed);
  });
}
