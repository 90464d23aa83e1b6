// Admits a virtual key's request in its own Durable Object, against every limit the key has, and
// reports them in OpenAI's rate-limit header style.
import type { VirtualKeyAccess } from '../access/caller';
import type { Used } from '../accounting/settle';
import { ProxyError, denyAccess, logFailure } from '../errors';
import type { KeyRefusal, KeyWindow } from '../keys/limits';
import type { VirtualKey } from '../keys/object';
import { LONGEST_SILENT_RETRY_MS, dollars, formatDuration, plural, type Ticket } from './admission';

/** Each limit's header unit; day-long token and dollar budgets keep the names PROXY_KEYS use. */
const UNITS: Readonly<Record<KeyRefusal, string>> = {
  requests: 'requests',
  parallel: 'parallel',
  tokens_minute: 'tokens-minute',
  tokens_day: 'tokens',
  usd_day: 'usd',
  usd_month: 'usd-month',
  usd_total: 'usd-total',
};

type Windows = Partial<Record<KeyRefusal, KeyWindow>>;

export function keyLimitHeaders(windows: Windows): Headers {
  const headers = new Headers();
  for (const [reason, window] of Object.entries(windows) as [KeyRefusal, KeyWindow][]) {
    const format = reason.startsWith('usd') ? dollars : String;
    headers.set(`x-ratelimit-limit-${UNITS[reason]}`, format(window.limit));
    headers.set(`x-ratelimit-remaining-${UNITS[reason]}`, format(window.remaining));
    if (reason !== 'usd_total' && reason !== 'parallel')
      headers.set(`x-ratelimit-reset-${UNITS[reason]}`, formatDuration(window.resetMs));
  }
  return headers;
}

function message(reason: KeyRefusal, window: KeyWindow, wait: string): string {
  const usd = `$${dollars(window.limit)}`;
  switch (reason) {
    case 'requests':
      return `Rate limit reached: ${plural(window.limit, 'request')} per minute for this key. Try again in ${wait}.`;
    case 'parallel':
      return `This key may run ${plural(window.limit, 'request')} at a time, and that many are still running. Try again when one ends.`;
    case 'tokens_minute':
      return `Token limit reached: ${plural(window.limit, 'token')} per minute for this key. Try again in ${wait}.`;
    case 'tokens_day':
      return `Daily token budget of ${plural(window.limit, 'token')} for this key is spent. It resets in ${wait}.`;
    case 'usd_day':
      return `Daily budget of ${usd} for this key is spent: $${dollars(window.remaining)} is left, less than this request may cost. It resets in ${wait}.`;
    case 'usd_month':
      return `Monthly budget of ${usd} for this key is spent: $${dollars(window.remaining)} is left, less than this request may cost. It resets in ${wait}.`;
    case 'usd_total':
      return `Total budget of ${usd} for this key is spent: $${dollars(window.remaining)} is left, less than this request may cost. It does not reset; the owner can raise it.`;
  }
}

const BUDGET_NAMES: Readonly<Partial<Record<KeyRefusal, string>>> = {
  tokens_day: 'daily token budget',
  usd_day: 'daily budget',
  usd_month: 'monthly budget',
  usd_total: 'total budget',
};

/**
 * The budget is full only with what requests still running reserved; they usually settle for far
 * less. A short wait, and a retry the SDKs may make on their own.
 */
function heldRefusal(reason: KeyRefusal, windows: Windows): ProxyError {
  const headers = keyLimitHeaders(windows);
  headers.set('retry-after', '1');
  headers.set('retry-after-ms', '1000');
  const budget = BUDGET_NAMES[reason] ?? 'budget';
  const message = `This key's ${budget} is taken up for now by what requests still running have reserved; try again when one ends.`;
  const type = reason.startsWith('usd') ? 'dollars' : 'tokens';
  return new ProxyError(429, 'rate_limit_exceeded', message, { type, headers });
}

function refusal(reason: KeyRefusal, windows: Windows, inFlight: boolean): ProxyError {
  if (inFlight) return heldRefusal(reason, windows);
  const window = windows[reason] ?? { limit: 0, used: 0, remaining: 0, resetMs: 0 };
  const headers = keyLimitHeaders(windows);
  const waitMs = reason === 'parallel' ? 1000 : window.resetMs;
  // A total budget never resets: no retry-after would be true, so none is sent.
  if (reason !== 'usd_total') {
    headers.set('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
    headers.set('retry-after-ms', String(Math.max(0, Math.ceil(waitMs))));
  }
  const budget = reason.startsWith('usd') || reason === 'tokens_day';
  if (budget || waitMs > LONGEST_SILENT_RETRY_MS) headers.set('x-should-retry', 'false');
  const type = reason.startsWith('usd') ? 'dollars' : reason.startsWith('tokens') ? 'tokens' : 'requests';
  return new ProxyError(429, 'rate_limit_exceeded', message(reason, window, formatDuration(waitMs)), {
    type,
    headers,
  });
}

const REFUSED_CODES = {
  disabled: ['key_disabled', 'This key has been disabled by its owner.'],
  revoked: ['key_revoked', 'This key has been revoked.'],
  expired: ['key_expired', 'This key has expired.'],
} as const;

/** The 401 for a key that no longer opens: disabled, revoked (deleted or rotated out), or expired. */
export function refusedKey(status: keyof typeof REFUSED_CODES): never {
  const [code, text] = REFUSED_CODES[status];
  denyAccess(code, text);
}

/** Admits one request in the key's object: every limit at once, and a slot while it runs. */
export async function admitVirtualKey(
  namespace: DurableObjectNamespace<VirtualKey>,
  key: VirtualKeyAccess,
  reserve: { tokens: number; micros: number },
): Promise<Ticket> {
  const object = namespace.get(namespace.idFromName(key.id));
  let admission: Awaited<ReturnType<VirtualKey['admit']>>;
  try {
    admission = await object.admit(key.hash, reserve, Date.now());
  } catch (error) {
    logFailure('key_admit_failed', error);
    throw new ProxyError(503, 'quota_unavailable', 'The key service is unavailable; try again shortly.');
  }
  if (admission.status !== 'active') refusedKey(admission.status);
  if (!admission.allowed) throw refusal(admission.reason, admission.windows, admission.inFlight);
  const { lease, day, month } = admission;
  const { limits } = key;
  return {
    headers: keyLimitHeaders(admission.windows),
    countsUsage:
      limits.tpm + limits.tpd + limits.microsPerDay + limits.microsPerMonth + limits.microsTotal > 0,
    async settle(used: Used) {
      const delta = { tokens: used.tokens - reserve.tokens, micros: used.micros - reserve.micros };
      await object
        .settle({ lease, day, month, delta, now: Date.now() })
        .catch((error: unknown) => logFailure('key_settle_failed', error));
    },
    async renew() {
      await object.renew(lease, Date.now()).catch((error: unknown) => logFailure('key_renew_failed', error));
    },
    ...(limits.maxParallel > 0
      ? {
          async release() {
            await object.release(lease).catch((error: unknown) => logFailure('key_release_failed', error));
          },
        }
      : {}),
  };
}
