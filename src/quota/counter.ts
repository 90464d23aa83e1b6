// The Durable Object that owns one caller's quota. Each caller has exactly one instance, and a
// Durable Object runs one request at a time, so concurrent requests cannot overshoot a limit.
import { DurableObject } from 'cloudflare:workers';
import { admit, emptyState, settle, type Decision, type Limits, type QuotaState } from './window';

const TOKENS_KEY = 'tokens';

interface StoredTokens {
  readonly day: string;
  readonly tokensUsed: number;
}

export class QuotaCounter extends DurableObject<Env> {
  private state: QuotaState = emptyState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The day's token usage survives eviction; the one-minute window is cheap to lose.
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<StoredTokens>(TOKENS_KEY);
      if (stored) this.state = { requests: [], day: stored.day, tokensUsed: stored.tokensUsed };
    });
  }

  /** Admits a request and reserves tokens for it; returns the day the reservation belongs to. */
  async admit(limits: Limits, reserve: number): Promise<{ decision: Decision; day: string }> {
    const before = this.state;
    const { decision, state } = admit(before, limits, { reserve, nowMs: Date.now() });
    this.state = state;
    this.persistIfChanged(before);
    return { decision, day: state.day };
  }

  /** Corrects a reservation to the real usage once the answer is known. */
  async settle(day: string, delta: number): Promise<void> {
    const before = this.state;
    this.state = settle(before, { day, delta });
    this.persistIfChanged(before);
  }

  private persistIfChanged(before: QuotaState): void {
    if (before.day === this.state.day && before.tokensUsed === this.state.tokensUsed) return;
    // Not awaited: the output gate holds responses until the write is durable.
    const stored: StoredTokens = { day: this.state.day, tokensUsed: this.state.tokensUsed };
    void this.ctx.storage.put(TOKENS_KEY, stored);
  }
}
