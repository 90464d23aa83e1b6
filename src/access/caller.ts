// Who is calling, as every later stage sees it: an identity for quotas, logs and cache scopes,
// and what that identity may do.
import type { KeyLimits } from '../keys/limits';
import type { Limits } from '../quota/window';

/** What a request needs of a virtual key: which object holds it, the secret's hash, its limits. */
export interface VirtualKeyAccess {
  readonly id: string;
  readonly name: string;
  readonly hash: string;
  readonly limits: KeyLimits;
}

export interface Caller {
  readonly kind: 'key' | 'token' | 'anonymous' | 'virtual';
  /** Stable identity for quotas and cache scopes; never a secret in clear. */
  readonly id: string;
  readonly limits: Limits;
  /** Model allow-lists from the key or token; each one must allow the model. */
  readonly models?: readonly string[];
  /** Output-token cap per request, from the key, the token or MAX_TOKENS. */
  readonly maxTokens?: number;
  /** A virtual key: its own object admits the request, against its own limits. */
  readonly virtualKey?: VirtualKeyAccess;
}

/** The caller has a dollar budget: whatever it asks for must have a price. */
export function hasDollarBudget(caller: Caller): boolean {
  const key = caller.virtualKey?.limits;
  return (
    caller.limits.microsPerDay > 0 ||
    (key !== undefined && key.microsPerDay + key.microsPerMonth + key.microsTotal > 0)
  );
}

/** The request headers authentication reads, and nothing else. */
export interface Credentials {
  readonly authorization: string | null;
  readonly origin: string | null;
  /** Set by Cloudflare's edge to the client's address; clients cannot forge it there. */
  readonly clientIp: string | null;
}
