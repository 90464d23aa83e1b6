// The Durable Object that is one virtual key: its record, the hashes of its secrets, and its
// usage. One instance per key, one request at a time, so every limit is exact under concurrency
// and a revocation applies to the very next request. A thin shell over `limits.ts` and `record.ts`.
import { DurableObject } from 'cloudflare:workers';
import {
  NO_USAGE,
  admitKey,
  current,
  releaseLease,
  renewLease,
  settleKey,
  windows,
  type KeyRefusal,
  type KeyUsage,
  type KeyWindow,
} from './limits';
import { applyChanges, type KeyChanges, type Spend, type StoredKey } from './record';

/** A secret's hash, and until when it works (ms); `null` for the current one. */
interface Secret {
  readonly hash: string;
  readonly until: number | null;
}

interface Stored {
  readonly record: StoredKey;
  readonly secrets: readonly Secret[];
  readonly lastUsedAt: number | null;
}

export type KeyStatus = 'active' | 'disabled' | 'revoked' | 'expired';

export type Admission =
  | { readonly status: Exclude<KeyStatus, 'active'> }
  | {
      readonly status: 'active';
      readonly allowed: false;
      readonly reason: KeyRefusal;
      /** Only what requests still running reserved fills the budget: worth a retry shortly. */
      readonly inFlight: boolean;
      readonly windows: Partial<Record<KeyRefusal, KeyWindow>>;
    }
  | {
      readonly status: 'active';
      readonly allowed: true;
      readonly lease: string;
      readonly day: string;
      readonly month: string;
      readonly windows: Partial<Record<KeyRefusal, KeyWindow>>;
    };

export interface KeyView {
  readonly record: StoredKey;
  readonly lastUsedAt: number | null;
  readonly spend: Spend;
  readonly windows: Partial<Record<KeyRefusal, KeyWindow>>;
}

const KEY = 'key';
const USAGE = 'usage';
const LAST_USED_STORE_S = 60;

export class VirtualKey extends DurableObject<Env> {
  private stored: Stored | undefined;
  private usage: KeyUsage = NO_USAGE;
  /** The `lastUsedAt` last written to storage. */
  private lastUsedStored: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.stored = await ctx.storage.get<Stored>(KEY);
      this.lastUsedStored = this.stored?.lastUsedAt ?? null;
      this.usage = (await ctx.storage.get<KeyUsage>(USAGE)) ?? NO_USAGE;
    });
  }

  async create(record: StoredKey, hash: string): Promise<boolean> {
    if (this.stored) return false;
    await this.save({ record, secrets: [{ hash, until: null }], lastUsedAt: null });
    return true;
  }

  async change(changes: KeyChanges): Promise<StoredKey | undefined> {
    const stored = this.live();
    if (!stored) return undefined;
    const record = applyChanges(stored.record, changes);
    await this.save({ ...stored, record });
    return record;
  }

  /** A new secret; the old ones keep working until `graceUntil` (ms), or stop now. */
  async rotate(hash: string, graceUntil: number): Promise<StoredKey | undefined> {
    const stored = this.live();
    if (!stored) return undefined;
    const now = Date.now();
    const kept = stored.secrets
      .map((secret) => ({ hash: secret.hash, until: Math.min(secret.until ?? Infinity, graceUntil) }))
      .filter((secret) => secret.until > now);
    await this.save({ ...stored, secrets: [{ hash, until: null }, ...kept] });
    return stored.record;
  }

  /** Revoked for good: the record stays (for the audit trail and the list), no secret works. */
  async remove(): Promise<boolean> {
    const stored = this.live();
    if (!stored) return false;
    await this.save({ ...stored, record: { ...stored.record, deleted: true }, secrets: [] });
    return true;
  }

  async view(now: number): Promise<KeyView | undefined> {
    const stored = this.stored;
    if (!stored) return undefined;
    const usage = current(this.usage, now);
    return {
      record: stored.record,
      lastUsedAt: stored.lastUsedAt,
      spend: {
        usd_today: usage.microsDay / 1_000_000,
        usd_month: usage.microsMonth / 1_000_000,
        usd_total: usage.microsTotal / 1_000_000,
        tokens_today: usage.tokensDay,
      },
      windows: windows(usage, stored.record.limits, now),
    };
  }

  /**
   * The key as its holder sees it (`GET /v1/me`): only while `hash` still opens it, so a key just
   * revoked, disabled or rotated out is refused here too, not shown from an isolate's memory.
   */
  async viewFor(
    hash: string,
    now: number,
  ): Promise<{ status: Exclude<KeyStatus, 'active'> } | { status: 'active'; view: KeyView }> {
    const status = this.status(hash, now);
    const view = status === 'active' ? await this.view(now) : undefined;
    return view ? { status: 'active', view } : { status: status === 'active' ? 'revoked' : status };
  }

  /** Whether `hash` opens this key now, and if so its record: what authentication needs. */
  async describe(hash: string, now: number): Promise<{ status: KeyStatus; record?: StoredKey }> {
    const status = this.status(hash, now);
    return status === 'active' ? { status, record: this.stored!.record } : { status };
  }

  /** Admits a request against every limit at once, holding a lease until it settles. */
  async admit(hash: string, reserve: { tokens: number; micros: number }, now: number): Promise<Admission> {
    const status = this.status(hash, now);
    if (status !== 'active') return { status };
    const stored = this.stored!;
    const lease = crypto.randomUUID();
    const decision = admitKey(this.usage, stored.record.limits, { reserve, now, lease });
    this.usage = decision.usage;
    const open = windows(decision.usage, stored.record.limits, now);
    if (!decision.allowed)
      return { status, allowed: false, reason: decision.reason, inFlight: decision.inFlight, windows: open };
    const lastUsedAt = Math.floor(now / 1000);
    // `last_used_at` is exact while the object is in memory; stored at most once a minute, so a
    // busy key's admission writes its usage alone.
    this.stored = { ...stored, lastUsedAt };
    if (this.lastUsedStored === null || lastUsedAt - this.lastUsedStored >= LAST_USED_STORE_S) {
      this.lastUsedStored = lastUsedAt;
      void this.ctx.storage.put(KEY, this.stored);
    }
    this.persistUsage();
    return {
      status,
      allowed: true,
      lease,
      day: decision.usage.day,
      month: decision.usage.month,
      windows: open,
    };
  }

  async settle(settlement: {
    lease: string;
    day: string;
    month: string;
    delta: { tokens: number; micros: number };
    now: number;
  }): Promise<void> {
    this.usage = settleKey(this.usage, settlement);
    this.persistUsage();
  }

  async release(lease: string): Promise<void> {
    this.usage = releaseLease(this.usage, lease);
    this.persistUsage();
  }

  async renew(lease: string, now: number): Promise<void> {
    this.usage = renewLease(this.usage, lease, now);
    this.persistUsage();
  }

  private status(hash: string, now: number): KeyStatus {
    const stored = this.stored;
    if (!stored || stored.record.deleted) return 'revoked';
    // Each hash compared in constant time; a secret rotated out (or never this key's) is revoked.
    const encoder = new TextEncoder();
    const presented = encoder.encode(hash);
    const opens = stored.secrets.some((secret) => {
      const held = encoder.encode(secret.hash);
      return (
        (secret.until === null || secret.until > now) &&
        held.byteLength === presented.byteLength &&
        crypto.subtle.timingSafeEqual(held, presented)
      );
    });
    if (!opens) return 'revoked';
    if (stored.record.disabled) return 'disabled';
    if (stored.record.expiresAt !== null && stored.record.expiresAt * 1000 <= now) return 'expired';
    return 'active';
  }

  /** The record as long as it has not been deleted. */
  private live(): Stored | undefined {
    return this.stored && !this.stored.record.deleted ? this.stored : undefined;
  }

  private async save(stored: Stored): Promise<void> {
    this.stored = stored;
    this.lastUsedStored = stored.lastUsedAt;
    await this.ctx.storage.put(KEY, stored);
  }

  /** Not awaited: the output gate holds the answer until the write is durable. */
  private persistUsage(): void {
    void this.ctx.storage.put(USAGE, this.usage);
  }
}
