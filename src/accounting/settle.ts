// What a request used and cost, once its outcome is known: the one place that decides what the
// caller's quota is charged and what the log line and the ledger report, so the two always agree.
import type { StreamEnd } from '../relay/transcript';
import { mediaEstimate, type MediaRequest } from './media';
import { costOf, type Price } from './prices';
import type { Reservation } from './reservation';
import type { Usage } from './usage';

/** How a request ended, as far as money is concerned. */
export type Outcome<E extends AnswerEnding = AnswerEnding> =
  /** Refused, or failed before an upstream could start work on it: nothing to charge. */
  | { readonly kind: 'unsent' }
  /** Sent, but no usable answer came (a timeout): the provider may still bill it. */
  | { readonly kind: 'unanswered' }
  | { readonly kind: 'answered'; readonly ending: E };

/** What the relay learned about an answer by the time it ended. */
export interface AnswerEnding {
  readonly status: number;
  /** How a stream ended; absent for JSON answers. */
  readonly streamEnd?: StreamEnd;
  readonly usage?: Usage;
  /** Characters of generated text a stream relayed, for estimating output when no usage came. */
  readonly generatedChars?: number;
}

/** What an answer used, for the quota: tokens and micro-dollars. */
export interface Used {
  readonly tokens: number;
  readonly micros: number;
}

/** What an answer used and cost, for the log line and the ledger. */
export interface Spend {
  readonly usage?: Usage;
  /** The usage is the proxy's estimate: the upstream reported none, or none that was plausible. */
  readonly estimated: boolean;
  readonly costUsd: number;
  /** The served model has no price: its cost counts as 0. */
  readonly unpriced: boolean;
  readonly streamEnd?: StreamEnd;
}

export interface Terms {
  readonly reservation: Reservation;
  /** The prompt's estimated tokens (the reservation's input part). */
  readonly promptTokens: number;
  /** The most output tokens the request could have produced (see `outputLimit`). */
  readonly outputLimit: number;
  readonly price: Price | undefined;
  /** USD per call of the built-in tools the request may use. */
  readonly toolPrices?: Readonly<Record<string, number>>;
  /** What a request on a non-token route asked for: speech, audio, images (see `mediaRequest`). */
  readonly media?: MediaRequest | undefined;
}

/** No provider's context window is larger; a count beyond it was not measured, it was made up. */
const MAX_PLAUSIBLE_INPUT = 2_000_000;

const NOTHING: Used = { tokens: 0, micros: 0 };

/**
 * The charge for an outcome. An error answer or an unsent request costs nothing. A 2xx answer is
 * charged its reported usage; a stream that ended without one (the client left, it went idle or
 * broke) what it relayed: the prompt estimate plus its generated characters / 4; anything else
 * without plausible usage (a JSON answer without it, counts beyond what the request allowed) and
 * an unanswered request the whole reservation, flagged as estimated.
 */
export function settle(outcome: Outcome, terms: Terms): { used: Used; spend: Spend } {
  if (outcome.kind === 'unsent')
    return { used: NOTHING, spend: { estimated: false, costUsd: 0, unpriced: false } };
  if (outcome.kind === 'unanswered') {
    // No answer says which model served it: the reservation is charged as it was priced.
    const { tokens, micros } = terms.reservation;
    return {
      used: { tokens, micros },
      spend: { usage: reservedUsage(terms), estimated: true, costUsd: micros / 1_000_000, unpriced: false },
    };
  }
  const unpriced = terms.price === undefined;
  const { ending } = outcome;
  const streamEnd = ending.streamEnd === undefined ? {} : { streamEnd: ending.streamEnd };
  // An error costs nothing, so it has nothing to price: the dashboard's "no price" is for answers.
  if (ending.status < 200 || ending.status >= 300) {
    return { used: NOTHING, spend: { estimated: false, costUsd: 0, unpriced: false, ...streamEnd } };
  }
  if (terms.media) return settleMedia(ending, terms, terms.media);
  const reported = ending.usage && plausible(ending.usage, terms) ? ending.usage : undefined;
  const relayed =
    !reported && ending.generatedChars !== undefined
      ? { input: terms.promptTokens, output: Math.ceil(ending.generatedChars / 4) }
      : undefined;
  const usage = reported ?? relayed ?? reservedUsage(terms);
  const costUsd = terms.price ? costOf(usage, terms.price, terms.toolPrices) : 0;
  return {
    used: { tokens: usage.input + usage.output, micros: Math.round(costUsd * 1_000_000) },
    spend: { usage, estimated: reported === undefined, costUsd, unpriced, ...streamEnd },
  };
}

/**
 * How far past its admission bound a media answer's reported usage is still believed. The bound
 * is an estimate (a file's size says little about a silent Opus file's minutes; input images are
 * not in an image's bound), so real usage may exceed it a few times; a number far past it is a
 * lie or a fault, and charging it would drain a budget in one answer.
 */
const MEDIA_PLAUSIBLE_FACTOR = 16;

/**
 * A speech, audio or image answer: charged its reported usage (tokens, or seconds of audio) when
 * that is plausible for the request (within 16× what admission reserved), else what it asked for
 * at the served model's price: exact for speech and per-image prices (whose answers report no
 * usage), the file-size bound for a transcription without a duration (`text`, `srt`, `vtt`).
 */
function settleMedia(ending: AnswerEnding, terms: Terms, media: MediaRequest): { used: Used; spend: Spend } {
  const { price } = terms;
  const bound = mediaEstimate(media, price);
  const streamEnd = ending.streamEnd === undefined ? {} : { streamEnd: ending.streamEnd };
  const spent = (usage: Usage, costUsd: number, estimated: boolean) => ({
    used: { tokens: usage.input + usage.output, micros: Math.round(costUsd * 1_000_000) },
    spend: { usage, estimated, costUsd, unpriced: price === undefined, ...streamEnd },
  });
  const usage = ending.usage;
  if (usage && (usage.input > 0 || usage.output > 0 || usage.seconds !== undefined)) {
    const costUsd = price ? costOf(usage, price) : 0;
    const tokensWithin =
      usage.input + usage.output <= (bound.tokens + terms.promptTokens) * MEDIA_PLAUSIBLE_FACTOR;
    const costWithin = price === undefined || costUsd <= bound.dollars * MEDIA_PLAUSIBLE_FACTOR + 1e-9;
    if (tokensWithin && costWithin) return spent(usage, costUsd, false);
  }
  const exact = media.pricing === 'speech' || (media.pricing === 'images' && price?.perImage !== undefined);
  return spent({ input: 0, output: bound.tokens }, bound.dollars, !exact);
}

/** The reservation read as usage: the prompt estimate, and the rest as output. */
function reservedUsage(terms: Terms): Usage {
  return { input: terms.promptTokens, output: Math.max(0, terms.reservation.tokens - terms.promptTokens) };
}

/** Output beyond what the request was allowed, or input beyond any context window, is not usage. */
function plausible(usage: Usage, terms: Terms): boolean {
  return usage.input <= MAX_PLAUSIBLE_INPUT && usage.output <= terms.outputLimit;
}
