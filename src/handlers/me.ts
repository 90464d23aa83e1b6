// GET /v1/me: who the credential is, what it may use, and how much of each limit is left and when
// it resets, so a web app can show its user their allowance. It never counts against a limit and
// never shows a secret.
import type { IRequest } from 'itty-router';
import type { Caller } from '../access/caller';
import { mayUseModel, modelAllowLists } from '../access/model-policy';
import type { CallerContext } from '../context/context';
import { ProxyError, logFailure } from '../errors';
import { jsonResponse } from '../http/json-response';
import type { KeyRefusal, KeyWindow } from '../keys/limits';
import { refusedKey } from '../quota/key-admission';
import type { Snapshot } from '../quota/window';

/** A limit as /v1/me shows it. Dollars in dollars; `resets_in_seconds` is null for a total budget. */
interface Window {
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly resets_in_seconds: number | null;
}

const KEY_WINDOW_NAMES: Readonly<Record<KeyRefusal, string>> = {
  requests: 'requests_per_minute',
  parallel: 'requests_in_flight',
  tokens_minute: 'tokens_per_minute',
  tokens_day: 'tokens_per_day',
  usd_day: 'usd_per_day',
  usd_month: 'usd_per_month',
  usd_total: 'usd_total',
};

const seconds = (ms: number) => Math.ceil(ms / 1000);

function keyWindows(windows: Partial<Record<KeyRefusal, KeyWindow>>): Record<string, Window> {
  return Object.fromEntries(
    (Object.entries(windows) as [KeyRefusal, KeyWindow][]).map(([reason, window]) => {
      const scale = reason.startsWith('usd') ? 1_000_000 : 1;
      const fixed = reason === 'usd_total' || reason === 'parallel';
      return [
        KEY_WINDOW_NAMES[reason],
        {
          limit: window.limit / scale,
          used: window.used / scale,
          remaining: window.remaining / scale,
          resets_in_seconds: fixed ? null : seconds(window.resetMs),
        },
      ];
    }),
  );
}

function quotaWindows(snapshot: Snapshot): Record<string, Window> {
  const { limits, used } = snapshot;
  const all: [string, number, number, number, number][] = [
    ['requests_per_minute', limits.rpm, used.requests, snapshot.remainingRequests, snapshot.resetRequestsMs],
    ['tokens_per_day', limits.tpd, used.tokens, snapshot.remainingTokens, snapshot.resetTokensMs],
    [
      'usd_per_day',
      limits.microsPerDay / 1_000_000,
      used.micros / 1_000_000,
      snapshot.remainingMicros / 1_000_000,
      snapshot.resetTokensMs,
    ],
  ];
  return Object.fromEntries(
    all
      .filter(([, limit]) => limit > 0)
      .map(([name, limit, spent, remaining, resetMs]) => [
        name,
        { limit, used: spent, remaining, resets_in_seconds: seconds(resetMs) },
      ]),
  );
}

type Spend = Readonly<Record<'usd_today' | 'usd_month' | 'usd_total' | 'tokens_today', number | null>>;

/** The caller's limits, and what it has spent: a virtual key counts every period, others only what they limit. */
async function allowanceOf(
  caller: Caller,
  env: Env,
): Promise<{ limits: Record<string, Window>; spend?: Spend }> {
  if (caller.virtualKey) {
    const object = env.VIRTUAL_KEYS.get(env.VIRTUAL_KEYS.idFromName(caller.virtualKey.id));
    const seen = await object.viewFor(caller.virtualKey.hash, Date.now());
    if (seen.status !== 'active') refusedKey(seen.status);
    return { limits: keyWindows(seen.view.windows), spend: seen.view.spend };
  }
  const { limits } = caller;
  if (limits.rpm === 0 && limits.tpd === 0 && limits.microsPerDay === 0) return { limits: {} };
  return { limits: quotaWindows(await env.QUOTA.get(env.QUOTA.idFromName(caller.id)).peek(limits)) };
}

/**
 * The model patterns the caller may use, as one list: its own, each kept only where
 * `ALLOWED_MODELS` also admits it (a pattern by its prefix), else `ALLOWED_MODELS`; null for any.
 */
function modelsOf(caller: Caller, config: CallerContext['config']): readonly string[] | null {
  const [first, second] = modelAllowLists(caller, config);
  if (!first) return null;
  if (!second) return first;
  return second.filter((pattern) => mayUseModel(pattern.replace(/\*$/, ''), [first]));
}

const KINDS = { key: 'key', token: 'token', anonymous: 'anonymous', virtual: 'virtual_key' } as const;

export async function me(_request: IRequest, context: CallerContext): Promise<Response> {
  const { caller, config, env } = context;
  let allowance: Awaited<ReturnType<typeof allowanceOf>>;
  try {
    allowance = await allowanceOf(caller, env);
  } catch (error) {
    if (error instanceof ProxyError) throw error; // The key no longer opens: refused, as everywhere.
    logFailure('me_failed', error);
    throw new ProxyError(503, 'quota_unavailable', 'The quota service is unavailable; try again shortly.');
  }
  const { limits } = allowance;
  return jsonResponse(
    {
      object: 'caller',
      kind: KINDS[caller.kind],
      id: caller.id,
      ...(caller.virtualKey ? { name: caller.virtualKey.name } : {}),
      models: modelsOf(caller, config),
      max_tokens: caller.maxTokens ?? null,
      limits,
      spend: allowance.spend ?? {
        usd_today: limits['usd_per_day']?.used ?? null,
        usd_month: limits['usd_per_month']?.used ?? null,
        usd_total: limits['usd_total']?.used ?? null,
        tokens_today: limits['tokens_per_day']?.used ?? null,
      },
    },
    { status: 200 },
  );
}
