// What a request may use before it runs: the tokens and dollars its caller's quota reserves, so
// that racing requests can never spend more than a budget between them.
import type { Route } from '../routes';
import { mediaEstimate, type MediaRequest } from './media';
import { costOf, type Price } from './prices';

/** Output reserved per choice for a model with no known maximum and no bound in the request. */
export const DEFAULT_OUTPUT_RESERVE = 4096;

/** Prompt text is roughly 4 bytes per token in JSON: an upper-leaning estimate. */
export function promptEstimate(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 4);
}

/** A count field as the API documents it: a whole number of at least 1, else `undefined`. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

export interface OutputBound {
  /** The route's output-bounding fields that this request sets, with their values. */
  readonly present: readonly { readonly field: string; readonly value: number }[];
  /** Completions generated per request: the product of the route's choice fields (`n`, `best_of`). */
  readonly choices: number;
  /** The most output tokens the request itself allows, if it sets a bound. */
  readonly total: number | undefined;
}

/** How much output a request allows: each choice up to the largest limit it sets. */
export function outputBound(route: Route, body: Readonly<Record<string, unknown>>): OutputBound {
  const present = route.outputFields.flatMap((field) => {
    const value = count(body[field]);
    return value === undefined ? [] : [{ field, value }];
  });
  const choices = route.choiceFields.reduce((product, field) => product * (count(body[field]) ?? 1), 1);
  const largest = present.length > 0 ? Math.max(...present.map(({ value }) => value)) : undefined;
  return { present, choices, total: largest === undefined ? undefined : choices * largest };
}

/** No model answers with more; the plausibility bound for a model whose maximum is unknown. */
const MAX_PLAUSIBLE_OUTPUT = 1_000_000;

/**
 * The most output tokens a request can produce: its own bound, else each choice at the model's
 * maximum. A reported count beyond it was not measured but made up.
 */
export function outputLimit(
  route: Route,
  body: Readonly<Record<string, unknown>>,
  price: Price | undefined,
): number {
  if (route.outputFields.length === 0) return 0;
  const bound = outputBound(route, body);
  return bound.total ?? bound.choices * (price?.maxOutput ?? MAX_PLAUSIBLE_OUTPUT);
}

export interface Reservation {
  readonly tokens: number;
  /** Micro-dollars (USD × 1,000,000), at the dearest of the models the request may reach. */
  readonly micros: number;
}

interface Reserving {
  readonly route: Route;
  readonly body: Readonly<Record<string, unknown>>;
  readonly bodyBytes: number;
  /** The prices of every model the request may reach (an alias can reach several). */
  readonly prices: readonly (Price | undefined)[];
  /** The most its billed tool calls may cost, in USD (see `maxToolCost`). */
  readonly toolCostUsd?: number;
  /** What a request on a non-token route asks for (see `mediaRequest`). */
  readonly media?: MediaRequest | undefined;
}

/**
 * The most a request may use: its prompt estimate, plus all the output it may produce: its own
 * bound, else each choice at the model's maximum output (so a burst of unbounded requests cannot
 * overshoot a budget by more than one request's worth). Settlement charges what was really used.
 */
export function reservation({
  route,
  body,
  bodyBytes,
  prices,
  toolCostUsd = 0,
  media,
}: Reserving): Reservation {
  if (media) {
    const estimates = prices.map((price) => mediaEstimate(media, price));
    const tokens = Math.max(0, ...estimates.map((estimate) => estimate.tokens));
    const dollars = Math.max(0, ...estimates.map((estimate) => estimate.dollars));
    return { tokens, micros: Math.ceil(dollars * 1_000_000) };
  }
  const input = promptEstimate(bodyBytes);
  const bound = outputBound(route, body);
  const outputFor = (price: Price | undefined) =>
    route.outputFields.length === 0
      ? 0
      : (bound.total ?? bound.choices * (price?.maxOutput ?? DEFAULT_OUTPUT_RESERVE));
  const tokens = input + Math.max(0, ...prices.map(outputFor));
  const dollars = Math.max(
    0,
    ...prices.map((price) => (price ? costOf({ input, output: outputFor(price) }, price) : 0)),
  );
  return { tokens, micros: Math.ceil((dollars + toolCostUsd) * 1_000_000) };
}
