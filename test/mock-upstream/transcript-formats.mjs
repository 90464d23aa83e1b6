// @ts-check
// whisper-1's richer response formats: SubRip and WebVTT subtitles, and verbose_json with
// segments (and words when asked), the whole transcript as one segment.

/** ISO-639-1 codes to the language names verbose_json reports. */
const LANGUAGES = /** @type {Record<string, string>} */ ({
  en: 'english',
  de: 'german',
  es: 'spanish',
  fr: 'french',
  it: 'italian',
  ja: 'japanese',
  nl: 'dutch',
  pt: 'portuguese',
  zh: 'chinese',
});

/** @param {number} seconds @param {',' | '.'} comma SRT writes 00:00:01,000, VTT 00:00:01.000 */
function timestamp(seconds, comma) {
  const ms = Math.round(seconds * 1000);
  const pad = (/** @type {number} */ n, /** @type {number} */ w) => String(n).padStart(w, '0');
  const hh = pad(Math.floor(ms / 3600000), 2);
  const mm = pad(Math.floor(ms / 60000) % 60, 2);
  const ss = pad(Math.floor(ms / 1000) % 60, 2);
  return `${hh}:${mm}:${ss}${comma}${pad(ms % 1000, 3)}`;
}

/** @param {'srt' | 'vtt'} format @param {string} text @param {number} seconds */
export function subtitles(format, text, seconds) {
  if (format === 'srt') return `1\n${timestamp(0, ',')} --> ${timestamp(seconds, ',')}\n${text}\n\n`;
  return `WEBVTT\n\n${timestamp(0, '.')} --> ${timestamp(seconds, '.')}\n${text}\n\n`;
}

/**
 * @param {{ text: string, seconds: number, translate: boolean, language: string | undefined,
 *   words: boolean }} t
 */
export function verbose({ text, seconds, translate, language, words }) {
  const list = text.split(/\s+/).filter(Boolean);
  const step = seconds / Math.max(1, list.length);
  return {
    task: translate ? 'translate' : 'transcribe',
    language: translate ? 'english' : (LANGUAGES[language ?? 'en'] ?? language ?? 'english'),
    duration: seconds,
    text,
    ...(words
      ? {
          words: list.map((word, i) => ({
            word,
            start: +(i * step).toFixed(2),
            end: +((i + 1) * step).toFixed(2),
          })),
        }
      : {}),
    segments: [
      {
        id: 0,
        seek: 0,
        start: 0.0,
        end: seconds,
        text: ` ${text}`,
        tokens: list.map((_, i) => 50364 + i),
        temperature: 0.0,
        avg_logprob: -0.2,
        compression_ratio: 1.1,
        no_speech_prob: 0.01,
      },
    ],
  };
}
