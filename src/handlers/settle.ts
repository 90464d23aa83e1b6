// What happens once a proxied answer has ended: the cache stores it if it is whole, the quota
// is settled to what it used, and its spend is reported for the log line and the ledger.
import type { CacheLookup } from '../cache/lookup';
import type { Ending } from '../http/answer';
import type { Ticket } from '../quota/admission';
import { promptEstimate } from '../quota/usage';
import type { Price } from '../usage/prices';
import type { Spend } from '../usage/record';
import { spendOf } from '../usage/spend';

interface Ended {
  readonly ending: Ending | undefined;
  readonly cache: CacheLookup | undefined;
  readonly admitted: { readonly ticket: Ticket | undefined; readonly body: { readonly bytes: Uint8Array } };
  readonly price: Price | undefined;
  /** The upstream answered, so it may have charged: keep the reservation rather than release it. */
  readonly keep?: boolean;
}

export async function settleAnswer({ ending, cache, admitted, price, keep = false }: Ended): Promise<Spend> {
  const { used, spend } = spendOf(ending, promptEstimate(admitted.body.bytes.length), price);
  const stored = cache?.status === 'miss' ? cache.store(ending) : undefined;
  const settled = admitted.ticket?.settle(keep ? { tokens: undefined, micros: undefined } : used);
  await Promise.all([stored, settled]);
  return spend;
}
