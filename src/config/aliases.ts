// Parses MODEL_ALIASES: names of your own, each an ordered list of `upstream/model` targets.
import { isObject } from '../lib/json';
import type { Target, Upstream } from './upstreams';
import { ConfigError, jsonSetting, type RawEnv } from './values';

/**
 * `{"fast": ["groq/llama-3.1-8b-instant", "openai/gpt-4o-mini"]}`: each target names an upstream.
 * Errors name the alias by position: every configured string may be a secret pasted by mistake.
 */
export function parseAliases(
  env: RawEnv,
  upstreams: readonly Upstream[],
): ReadonlyMap<string, readonly Target[]> {
  const value = jsonSetting(env, 'MODEL_ALIASES');
  if (value === undefined) return new Map();
  if (!isObject(value))
    throw new ConfigError('MODEL_ALIASES', 'MODEL_ALIASES must be a JSON object of alias → targets.');
  const byName = new Map(upstreams.map((upstream) => [upstream.name, upstream]));
  const aliases = Object.entries(value).map(([alias, targets], index): [string, readonly Target[]] => {
    const fail = (rule: string): never => {
      throw new ConfigError('MODEL_ALIASES', `MODEL_ALIASES entry ${index + 1}: ${rule}`);
    };
    if (!Array.isArray(targets) || targets.length === 0)
      return fail('must be a non-empty array of "upstream/model".');
    const parsed = targets.map((target: unknown): Target => {
      const slash = typeof target === 'string' ? target.indexOf('/') : -1;
      const model = typeof target === 'string' ? target.slice(slash + 1) : '';
      if (typeof target !== 'string' || slash <= 0 || model === '')
        return fail('each target must look like "upstream/model".');
      const upstream = byName.get(target.slice(0, slash));
      return upstream
        ? Object.freeze({ upstream, model })
        : fail('a target names an upstream not in UPSTREAMS.');
    });
    return [alias, Object.freeze(parsed)];
  });
  return new Map(aliases);
}
