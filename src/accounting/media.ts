// What a speech, transcription or image request may cost before it runs, from what it asks for:
// characters to speak, the audio file's size, images by size and quality.
import type { Route } from '../routes';
import type { Price } from './prices';

/**
 * The longest audio a file of a given size can hold: at 8 kbit/s (a very low speech bitrate,
 * e.g. Opus), 60,000 bytes a minute. Real files are denser, so this bounds the minutes billed.
 */
export const AUDIO_BYTES_PER_MINUTE = 60_000;
/** Audio tokens a minute of audio may cost a token-priced transcription model. */
const AUDIO_TOKENS_PER_MINUTE = 1_000;
/** Output tokens one image may cost a token-priced image model (gpt-image-1, high quality, largest). */
const IMAGE_TOKENS = 6_240;

export interface Estimate {
  readonly tokens: number;
  readonly dollars: number;
}

/**
 * What a non-token request asks for, as far as its price goes: a few numbers read from its body
 * at admission and kept for settlement, when the served model's price is known.
 */
export type MediaRequest =
  | { readonly pricing: 'speech'; readonly chars: number }
  | { readonly pricing: 'transcription'; readonly bytes: number }
  | {
      readonly pricing: 'images';
      readonly images: number;
      readonly size: string;
      readonly quality: string | undefined;
    }
  | { readonly pricing: 'free'; readonly bytes: number };

/** The priced parts of a request on a non-token route, or `undefined` when the route is priced by tokens. */
export function mediaRequest(
  route: Route,
  body: Readonly<Record<string, unknown>>,
  bodyBytes: number,
): MediaRequest | undefined {
  switch (route.pricing) {
    case 'speech':
      return {
        pricing: 'speech',
        chars: typeof body['input'] === 'string' ? body['input'].length : bodyBytes,
      };
    case 'transcription':
      return { pricing: 'transcription', bytes: bodyBytes };
    case 'images': {
      const n = body['n'];
      return {
        pricing: 'images',
        images: typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : 1,
        size: typeof body['size'] === 'string' ? body['size'] : '1024x1024',
        quality: typeof body['quality'] === 'string' ? body['quality'] : undefined,
      };
    }
    case 'free':
      return { pricing: 'free', bytes: bodyBytes };
    case 'tokens':
      return undefined;
  }
}

function imageFee(
  request: { readonly size: string; readonly quality: string | undefined },
  price: Price,
): number {
  const table = price.perImage ?? {};
  // Exactly what was asked for, else the dearest image this model makes: `auto` may pick any.
  return (
    table[`${request.quality}/${request.size}`] ?? table[request.size] ?? Math.max(0, ...Object.values(table))
  );
}

/** The most a non-token request may cost at `price`: exact for speech and priced images, a bound for audio. */
export function mediaEstimate(request: MediaRequest, price: Price | undefined): Estimate {
  switch (request.pricing) {
    case 'speech':
      return {
        tokens: Math.ceil(request.chars / 4),
        dollars: (request.chars * (price?.perMillionChars ?? 0)) / 1_000_000,
      };
    case 'transcription': {
      const minutes = request.bytes / AUDIO_BYTES_PER_MINUTE;
      const byMinute = minutes * (price?.perMinute ?? 0);
      const byToken =
        (minutes * AUDIO_TOKENS_PER_MINUTE * (price?.input ?? 0) + 4096 * (price?.output ?? 0)) / 1e6;
      return {
        tokens: Math.ceil(minutes * AUDIO_TOKENS_PER_MINUTE) + 4096,
        dollars: Math.max(byMinute, byToken),
      };
    }
    case 'images': {
      const byToken = (IMAGE_TOKENS * (price?.output ?? 0)) / 1e6;
      return {
        tokens: request.images * IMAGE_TOKENS,
        dollars: request.images * Math.max(price ? imageFee(request, price) : 0, byToken),
      };
    }
    case 'free':
      return { tokens: Math.ceil(request.bytes / 4), dollars: 0 };
  }
}

/** Whether `price` can price a request on this route (a dollar budget refuses what it cannot). */
export function pricesRoute(route: Route, price: Price | undefined): boolean {
  if (!price) return route.pricing === 'free';
  switch (route.pricing) {
    case 'speech':
      return price.perMillionChars !== undefined;
    case 'transcription':
      return price.perMinute !== undefined || price.input > 0;
    case 'images':
      return price.perImage !== undefined || price.output > 0;
    default:
      return true;
  }
}
