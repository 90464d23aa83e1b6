// Parses MODEL_ALIASES: names of your own, each an ordered list of `upstream/model` targets.
import type { Target, Upstream } from './upstreams';
import { ConfigError, jsonSetting, type RawEnv } from './values';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{"fast": ["groq/llama-3.1-8b-instant", "openai/gpt-4o-mini"]}`: each target names an upstream. */
export function parseAliases(
  env: RawEnv,
  upstreams: readonly Upstream[],
): ReadonlyMap<string, readonly Target[]> {
  const value = jsonSetting(env, 'MODEL_ALIASES');
  if (value === undefined) return new Map();
  if (!isObject(value))
    throw new ConfigError('MODEL_ALIASES', 'MODEL_ALIASES must be a JSON object of alias → targets.');
  const names = new Set(upstreams.map((upstream) => upstream.name));
  const aliases = Object.entries(value).map(([alias, targets]): [string, readonly Target[]] => {
    const fail = (rule: string): never => {
      throw new ConfigError('MODEL_ALIASES', `MODEL_ALIASES "${alias}": ${rule}`);
    };
    if (!Array.isArray(targets) || targets.length === 0)
      return fail('must be a non-empty array of "upstream/model".');
    return [
      alias,
      Object.freeze(
        targets.map((target: unknown) => {
          const slash = typeof target === 'string' ? target.indexOf('/') : -1;
          const upstream = typeof target === 'string' ? target.slice(0, slash) : '';
          const model = typeof target === 'string' ? target.slice(slash + 1) : '';
          if (slash <= 0 || model === '') return fail('each target must look like "upstream/model".');
          if (!names.has(upstream)) return fail(`the upstream "${upstream}" is not in UPSTREAMS.`);
          return Object.freeze({ upstream, model });
        }),
      ),
    ];
  });
  return new Map(aliases);
}
