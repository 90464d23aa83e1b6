// Small, strict readers for settings; each error names the variable and the rule, never a value
// that could be a secret.

import { toMicros } from '../lib/dollars';

/** A bad setting. `variable` is what `/healthz` reports; the message adds the rule. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

export type RawEnv = Readonly<Record<string, unknown>>;

/** A variable's trimmed string value; unset and empty both mean "use the default". */
export function text(env: RawEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(name, `${name} must be a string.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Comma-separated items, trimmed, empty ones dropped. */
export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function flag(env: RawEnv, name: string, fallback = false): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(name, `${name} must be "true" or "false".`);
}

export function isCount(value: string): boolean {
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value));
}

/** A non-negative integer; `0` is meaningful for limits and timeouts (it turns them off). */
export function integer(env: RawEnv, name: string, fallback: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!isCount(value)) throw new ConfigError(name, `${name} must be a non-negative integer.`);
  return Number(value);
}

/** One of a fixed set of words; the first is the default. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  env: RawEnv,
  name: string,
  words: T,
): T[number] {
  const value = text(env, name)?.toLowerCase() ?? words[0];
  const match = words.find((word) => word === value);
  if (match === undefined) throw new ConfigError(name, `${name} must be one of: ${words.join(', ')}.`);
  return match;
}

/** A page origin as browsers send it: scheme and host (and port), no path or trailing slash. */
export const ORIGIN = /^https?:\/\/[^/\s]+$/;

/** A non-negative amount of US dollars, as written (`2`, `0.50`), in whole micro-dollars. */
export function parseDollars(value: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(value) ? toMicros(Number(value)) : undefined;
}

export function dollars(env: RawEnv, name: string): number {
  const value = text(env, name);
  if (value === undefined) return 0;
  const micros = parseDollars(value);
  if (micros === undefined)
    throw new ConfigError(name, `${name} must be an amount of US dollars such as 5 or 0.50.`);
  return micros;
}

/** A JSON setting: a string under `--var` and `.dev.vars`, or already a value under `[vars]`. */
export function jsonSetting(env: RawEnv, name: string): unknown {
  const value = env[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(name, `${name} must be valid JSON.`);
  }
}
