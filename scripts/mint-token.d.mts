// Types for mint-token.mjs (plain JS so `npm run token` needs no build step).

export interface MintOptions {
  readonly sub: string;
  /** 1 to 86 400 seconds; minutes are the intended lifetime. */
  readonly ttlSeconds: number;
  readonly origin?: string | readonly string[] | undefined;
  readonly models?: readonly string[] | undefined;
  /** Written as the `max_tokens` claim. */
  readonly maxTokens?: number | undefined;
  readonly rpm?: number | undefined;
  readonly tpd?: number | undefined;
}

export function mintClientToken(options: MintOptions, secret: string, nowSeconds: number): Promise<string>;
