// What a request may cost before it runs, and what it did use and cost once it has ended.
import { outputBound } from '../access/model-policy';
import type { Ending } from '../http/answer';
import type { Used } from '../quota/admission';
import { DEFAULT_OUTPUT_RESERVE, promptEstimate, totalTokens, type Usage } from '../quota/usage';
import type { RouteName } from '../routes';
import { costOf, type Price } from './prices';
import type { Spend } from './record';

const MICROS = 1_000_000;

interface Priced {
  readonly route: RouteName;
  readonly body: Readonly<Record<string, unknown>>;
  readonly bodyBytes: number;
  /** The prices of every model the request may reach (an alias can reach several). */
  readonly prices: readonly (Price | undefined)[];
}

/**
 * The most a request may cost, in micro-dollars: its prompt estimate at the input price plus
 * all the output it may produce at the output price, at the dearest of the models it may reach.
 * Only an estimate for input (images, or text denser than 4 bytes a token, cost more), and
 * 1,024 output tokens a choice when the request sets no limit: settlement charges the real cost.
 */
export function maxCostMicros({ route, body, bodyBytes, prices }: Priced): number {
  const bound = outputBound(route, body);
  const output = route === 'embeddings' ? 0 : (bound.total ?? bound.choices * DEFAULT_OUTPUT_RESERVE);
  const usage = { input: promptEstimate(bodyBytes), output };
  return Math.ceil(Math.max(0, ...prices.map((price) => (price ? costOf(usage, price) : 0))) * MICROS);
}

/**
 * What to charge, and what to report. A failed call used nothing. A stream that ended without
 * its usage report (the client left, it went idle or broke) is charged what it relayed: the
 * prompt estimate plus its generated characters / 4, never less than the client received. A
 * JSON answer without usage keeps its reservation.
 */
export function spendOf(
  ending: Ending | undefined,
  promptTokens: number,
  price: Price | undefined,
): { used: Used; spend: Spend } {
  const streamEnd = ending?.generatedChars === undefined ? {} : { streamEnd: ending.end };
  if (!ending || ending.status < 200 || ending.status >= 300) {
    return {
      used: { tokens: 0, micros: 0 },
      spend: { estimated: false, costUsd: 0, unpriced: !price, ...streamEnd },
    };
  }
  const estimate: Usage | undefined =
    ending.generatedChars === undefined
      ? undefined
      : { input: promptTokens, output: Math.ceil(ending.generatedChars / 4) };
  const usage = ending.usage ?? estimate;
  const costUsd = usage && price ? costOf(usage, price) : 0;
  const used = usage
    ? { tokens: totalTokens(usage), micros: Math.round(costUsd * MICROS) }
    : { tokens: undefined, micros: undefined };
  const spend = {
    ...(usage ? { usage } : {}),
    estimated: !ending.usage && usage !== undefined,
    costUsd,
    unpriced: !price,
    ...streamEnd,
  };
  return { used, spend };
}
