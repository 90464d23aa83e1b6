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

function imageFee(body: Readonly<Record<string, unknown>>, price: Price): number {
  const table = price.perImage ?? {};
  const size = typeof body['size'] === 'string' ? body['size'] : '1024x1024';
  const quality = typeof body['quality'] === 'string' ? body['quality'] : undefined;
  // Exactly what was asked for, else the dearest image this model makes: `auto` may pick any.
  return table[`${quality}/${size}`] ?? table[size] ?? Math.max(0, ...Object.values(table));
}

/** The most a non-token request may cost at `price`, or `undefined` when the route is priced by tokens. */
export function mediaEstimate(
  route: Route,
  request: { readonly body: Readonly<Record<string, unknown>>; readonly bodyBytes: number },
  price: Price | undefined,
): Estimate | undefined {
  const { body, bodyBytes } = request;
  switch (route.pricing) {
    case 'speech': {
      const chars = typeof body['input'] === 'string' ? body['input'].length : bodyBytes;
      return { tokens: Math.ceil(chars / 4), dollars: (chars * (price?.perMillionChars ?? 0)) / 1_000_000 };
    }
    case 'transcription': {
      const minutes = bodyBytes / AUDIO_BYTES_PER_MINUTE;
      const byMinute = minutes * (price?.perMinute ?? 0);
      const byToken =
        (minutes * AUDIO_TOKENS_PER_MINUTE * (price?.input ?? 0) + 4096 * (price?.output ?? 0)) / 1e6;
      return { tokens: Math.ceil(minutes * AUDIO_TOKENS_PER_MINUTE), dollars: Math.max(byMinute, byToken) };
    }
    case 'images': {
      const n = typeof body['n'] === 'number' && body['n'] >= 1 ? body['n'] : 1;
      const byToken = (IMAGE_TOKENS * (price?.output ?? 0)) / 1e6;
      return { tokens: n * IMAGE_TOKENS, dollars: n * Math.max(price ? imageFee(body, price) : 0, byToken) };
    }
    case 'free':
      return { tokens: Math.ceil(bodyBytes / 4), dollars: 0 };
    case 'tokens':
      return undefined;
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
