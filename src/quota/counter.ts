// The Durable Object that owns one caller's quota. Each caller has exactly one instance, and a
// Durable Object runs one request at a time, so concurrent requests cannot overshoot a limit.
import { DurableObject } from 'cloudflare:workers';
import {
  admit,
  emptyState,
  peek,
  settle,
  type Amounts,
  type Decision,
  type Limits,
  type QuotaState,
  type Snapshot,
} from './window';

const DAY_KEY = 'tokens';

/** The day's usage survives eviction; the one-minute window is cheap to lose. */
interface StoredDay {
  readonly day: string;
  readonly tokensUsed: number;
  /** Absent in entries written before dollar budgets existed. */
  readonly microsUsed?: number;
}

export class QuotaCounter extends DurableObject<Env> {
  private state: QuotaState = emptyState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<StoredDay>(DAY_KEY);
      if (stored) {
        this.state = {
          requests: [],
          day: stored.day,
          tokensUsed: stored.tokensUsed,
          microsUsed: stored.microsUsed ?? 0,
        };
      }
    });
  }

  /** Admits a request and reserves what it may use; returns the day the reservation belongs to. */
  async admit(limits: Limits, reserve: Amounts): Promise<{ decision: Decision; day: string }> {
    const before = this.state;
    const { decision, state } = admit(before, limits, { reserve, nowMs: Date.now() });
    this.state = state;
    this.persistIfChanged(before);
    return { decision, day: state.day };
  }

  /** The caller's limits as they stand, without counting a request (GET /v1/me). */
  async peek(limits: Limits): Promise<Snapshot> {
    return peek(this.state, limits, Date.now());
  }

  /** Corrects a reservation to the real usage once the answer is known. */
  async settle(day: string, delta: Amounts): Promise<void> {
    const before = this.state;
    this.state = settle(before, { day, delta });
    this.persistIfChanged(before);
  }

  private persistIfChanged(before: QuotaState): void {
    const { day, tokensUsed, microsUsed } = this.state;
    if (before.day === day && before.tokensUsed === tokensUsed && before.microsUsed === microsUsed) return;
    // Not awaited: the output gate holds responses until the write is durable.
    void this.ctx.storage.put(DAY_KEY, { day, tokensUsed, microsUsed } satisfies StoredDay);
  }
}
