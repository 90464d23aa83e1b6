// Who is calling, as every later stage sees it: an identity for quotas, logs and cache scopes,
// and what that identity may do.
import type { Limits } from '../quota/window';

export interface Caller {
  readonly kind: 'key' | 'token' | 'anonymous';
  /** Stable identity for quotas and cache scopes; never a secret in clear. */
  readonly id: string;
  readonly limits: Limits;
  /** Model allow-lists from the key or token; each one must allow the model. */
  readonly models?: readonly string[];
  /** Output-token cap per request, from the key, the token or MAX_TOKENS. */
  readonly maxTokens?: number;
}

/** The request headers authentication reads, and nothing else. */
export interface Credentials {
  readonly authorization: string | null;
  readonly origin: string | null;
  /** Set by Cloudflare's edge to the client's address; clients cannot forge it there. */
  readonly clientIp: string | null;
}
