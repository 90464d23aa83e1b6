// The claims a client token carries: checked for shape, then against the clock.
import { ORIGIN } from '../config/values';
import { denyAccess } from '../errors';

export interface ClientTokenClaims {
  /** The end user: 1 to 200 characters, no control characters. */
  readonly sub: string;
  /** Expiry, in seconds since the epoch. */
  readonly exp: number;
  readonly iat?: number;
  /** Page origins (lower-cased) the token works from; the claim may be one string or an array. */
  readonly origin?: readonly string[];
  /** Model allow-list; an entry ending in `*` matches a prefix (see `modelAllowed`). */
  readonly models?: readonly string[];
  /** Claim `max_tokens`: cap on output tokens per request. */
  readonly maxTokens?: number;
  /** Requests per minute for this user; narrows the server default. */
  readonly rpm?: number;
  /** Tokens per day for this user; narrows the server default. */
  readonly tpd?: number;
  /** Claim `usd`: dollars per day for this user, in micro-dollars; narrows the server default. */
  readonly usdMicros?: number;
}

/** A decoded JWT header or payload. */
export type Claims = Readonly<Record<string, unknown>>;

/** The minting backend's clock and Cloudflare's may disagree by this much. */
const SKEW_SECONDS = 30;
/** Tokens are meant to live minutes; a day is the ceiling, so a leaked one soon stops working. */
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
const MAX_LIST_LENGTH = 100;
const MAX_TEXT_LENGTH = 200;
/**
 * The user id ends up in logs, the dashboard and upstream requests: control characters have no
 * business there, nor bidi controls, which would make one caller id read as another's.
 */
const CONTROL = /[\u0000-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

interface Rule<T> {
  readonly parse: (value: unknown) => T | undefined;
  readonly expected: string;
}

function isList(value: unknown, check: (entry: string) => boolean): value is string[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= MAX_LIST_LENGTH &&
    value.every((entry) => typeof entry === 'string' && check(entry))
  );
}

const numericDate: Rule<number> = {
  parse: (value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined),
  expected: 'a number of seconds since the epoch',
};

const origins: Rule<readonly string[]> = {
  parse: (value) => {
    const list = typeof value === 'string' ? [value] : value;
    return isList(list, (entry) => ORIGIN.test(entry)) ? list.map((entry) => entry.toLowerCase()) : undefined;
  },
  expected: 'an origin such as "https://app.example.com", or a non-empty array of them',
};

const modelPatterns: Rule<readonly string[]> = {
  parse: (value) =>
    isList(value, (entry) => entry.length > 0 && entry.length <= MAX_TEXT_LENGTH) ? [...value] : undefined,
  expected: 'a non-empty array of model names (a trailing "*" matches a prefix)',
};

function integer(min: 0 | 1): Rule<number> {
  return {
    parse: (value) =>
      typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? value : undefined,
    expected: min === 1 ? 'a positive integer' : 'a non-negative integer',
  };
}

const usdAmount: Rule<number> = {
  parse: (value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? Math.round(value * 1_000_000)
      : undefined,
  expected: 'a non-negative number of US dollars',
};

function optional<T>(payload: Claims, name: string, rule: Rule<T>): T | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  return (
    rule.parse(value) ??
    denyAccess('token_claims', `The client token's "${name}" claim must be ${rule.expected}.`)
  );
}

function checkTimes(exp: number, payload: Claims, now: number): void {
  if (now >= exp + SKEW_SECONDS)
    denyAccess('token_expired', 'The client token has expired; get a fresh one.');
  const nbf = optional(payload, 'nbf', numericDate);
  if (nbf !== undefined && nbf > now + SKEW_SECONDS) {
    denyAccess('token_not_yet_valid', 'The client token is not valid yet: its "nbf" is in the future.');
  }
  const issued = optional(payload, 'iat', numericDate);
  // A token issued in the future was minted by a clock no one should trust, or by hand.
  if (issued !== undefined && issued > now + SKEW_SECONDS) {
    denyAccess('token_not_yet_valid', 'The client token is not valid yet: its "iat" is in the future.');
  }
  const iat = issued ?? Infinity;
  if (exp > now + MAX_LIFETIME_SECONDS + SKEW_SECONDS || exp > iat + MAX_LIFETIME_SECONDS) {
    denyAccess('token_lifetime', 'Client tokens may live at most 24 hours; mint them for minutes.');
  }
}

/** Validates a verified payload's claims and the clock; throws a 401 ProxyError naming the problem. */
export function parseClaims(payload: Claims, nowSeconds: number): ClientTokenClaims {
  const { sub, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_TEXT_LENGTH || CONTROL.test(sub)) {
    denyAccess(
      'token_claims',
      'The client token needs a "sub" claim: the user id, 1 to 200 printable characters.',
    );
  }
  const expiry =
    numericDate.parse(exp) ??
    denyAccess('token_claims', 'The client token needs an "exp" claim: seconds since the epoch.');
  const iat = optional(payload, 'iat', numericDate);
  const origin = optional(payload, 'origin', origins);
  const models = optional(payload, 'models', modelPatterns);
  const maxTokens = optional(payload, 'max_tokens', integer(1));
  const rpm = optional(payload, 'rpm', integer(0));
  const tpd = optional(payload, 'tpd', integer(0));
  const usdMicros = optional(payload, 'usd', usdAmount);
  checkTimes(expiry, payload, nowSeconds);
  // exactOptionalPropertyTypes: an absent claim must be a missing key, not `undefined`.
  return Object.freeze({
    sub,
    exp: expiry,
    ...(iat !== undefined && { iat }),
    ...(origin && { origin }),
    ...(models && { models }),
    ...(maxTokens !== undefined && { maxTokens }),
    ...(rpm !== undefined && { rpm }),
    ...(tpd !== undefined && { tpd }),
    ...(usdMicros !== undefined && { usdMicros }),
  });
}
