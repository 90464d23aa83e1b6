// Server-Sent Events as the proxy reads them: the one place event boundaries are found, what an
// event says (its data, whether it ends an answer, usage, generated text), and the error event.
import { parseUsage, toolCallsIn, type Usage } from '../accounting/usage';
import { openAiError } from '../errors';
import type { StreamFinish } from '../routes';

/**
 * An event ends at a blank line, and a line ends in CRLF, LF or CR (WHATWG HTML, "Parsing an
 * event stream"). A CR directly followed by LF is one line end, not two.
 */
const EVENT_END = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/g;
/** An event longer than this is not SSE any client could use; a hostile upstream must not grow memory. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** Splits decoded stream text into whole events, keeping an unfinished one for the next push. */
export class EventSplitter {
  private rest = '';
  /** Set once an event outgrew MAX_EVENT_CHARS; its text was dropped. */
  overflowed = false;

  /** The events completed by `text`, each with its terminating blank line, in order. */
  push(text: string): string[] {
    const all = this.rest + text;
    // A CR at the very end may be the first half of a CRLF: judge it when the next text comes.
    const searchable = all.endsWith('\r') ? all.slice(0, -1) : all;
    const events: string[] = [];
    let start = 0;
    // Only the tail of the old rest can complete a boundary; do not rescan a long pending event.
    EVENT_END.lastIndex = Math.max(0, this.rest.length - 2);
    for (let match = EVENT_END.exec(searchable); match; match = EVENT_END.exec(searchable)) {
      const end = match.index + match[0].length;
      events.push(all.slice(start, end));
      start = end;
    }
    this.rest = all.slice(start);
    if (this.rest.length > MAX_EVENT_CHARS) {
      this.rest = '';
      this.overflowed = true;
    }
    return events;
  }

  /** Whatever is left when the stream ends: an event that never got its blank line. */
  flush(): string {
    const rest = this.rest;
    this.rest = '';
    return rest;
  }
}

/** The event's data: its `data:` lines' values joined by newlines, one leading space removed. */
export function eventData(event: string): string {
  return event
    .split(/\r\n|\n|\r/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
}

/** Once usage is requested every chat chunk says `"usage":null`; only an object is worth parsing. */
const USAGE_OBJECT = /"usage":\s*\{/;

/** The chunk a chat/completions stream adds for `include_usage`: usage, and `"choices": []`. */
export function isUsageOnlyChunk(event: string): boolean {
  if (!event.includes('"choices":[]') || !USAGE_OBJECT.test(event)) return false;
  try {
    const data = JSON.parse(eventData(event)) as { choices?: unknown };
    return Array.isArray(data.choices) && data.choices.length === 0;
  } catch {
    return false;
  }
}

/*
 * What follows reads whole *lines* of a stream rather than events: a JSON string never holds a
 * raw line break, so every field below lies within one line, and a batch of lines can be
 * scanned by a few native regular expressions instead of JavaScript per event.
 */

const USAGE_LINE = /^data:.*"usage":\s*\{.*$/gm;

/** The usage reported in these lines: a chat/completions usage chunk, or `response.completed`. */
export function usageInLines(lines: string): Usage | undefined {
  if (!USAGE_OBJECT.test(lines)) return undefined;
  let usage: Usage | undefined;
  for (const [line] of lines.matchAll(USAGE_LINE)) {
    try {
      const data = JSON.parse(line.slice(5)) as { usage?: unknown; response?: { usage?: unknown } };
      const reported = parseUsage(data.usage) ?? parseUsage(data.response?.usage);
      // The Responses API's final event carries the whole response, billed tool calls included.
      const toolCalls = data.response ? toolCallsIn(line) : undefined;
      usage = reported ? { ...reported, ...(toolCalls ? { toolCalls } : {}) } : usage;
    } catch {
      // Not JSON on one line: not a usage report this proxy can read.
    }
  }
  return usage;
}

/**
 * JSON string fields that carry generated text, whole with their keys and quotes: chat
 * and completions deltas and tool-call arguments; Responses streams repeat the whole text in
 * `.done` events, so there only the `.delta` ones count.
 */
const GENERATED_TEXT: Readonly<Record<StreamFinish, RegExp>> = {
  'done-marker': /"(?:content|text|arguments|refusal)":"(?:[^"\\]|\\.)*"/g,
  'completed-event': /"delta":"(?:[^"\\]|\\.)*"/g,
  'final-event': /"delta":"(?:[^"\\]|\\.)*"/g,
};

/** Characters of generated text in these lines, as written on the wire (escapes as written). */
export function generatedChars(lines: string, finish: StreamFinish): number {
  // `match` returns plain strings: no match objects or capture arrays per event.
  const fields = lines.match(GENERATED_TEXT[finish]);
  let chars = 0;
  for (const field of fields ?? []) chars += field.length - field.indexOf(':"') - 3;
  return chars;
}

/** The Responses API names each event twice: `event: x` and `"type":"x"` in its data. */
const RESPONSES_EVENT = /^event:[ \t]*(\S+)|^data:[ \t]*\{"type":"([^"]+)"/gm;

/** The name of the last Responses event in these lines, if any. */
export function lastEventName(lines: string): string | undefined {
  let name: string | undefined;
  for (const match of lines.matchAll(RESPONSES_EVENT)) name = match[1] ?? match[2];
  return name;
}

/**
 * Chat and legacy completions end with `data: [DONE]`; the Responses API with a
 * `response.completed` event. Anything else (a cut connection, an `error` event, a
 * `response.failed`) is not a finished answer. `tail` is the end of the stream's text.
 */
export function isFinished(finish: StreamFinish, tail: string, lastEvent: string | undefined): boolean {
  if (finish === 'completed-event') return lastEvent === 'response.completed';
  if (finish === 'final-event') return lastEvent !== undefined && /\.(done|completed)$/.test(lastEvent);
  return /(?:^|[\r\n])data:[ \t]?\[DONE\][ \t]*[\r\n]*$/.test(tail);
}

/**
 * What comes just before a finished answer's end: a choice's `finish_reason`, a Responses
 * message's or function call's `….done`. The watch reads the rest as it comes, so the end (and
 * the cache entry) follows the client's within milliseconds rather than a tick.
 */
const ENDING_SOON: Readonly<Partial<Record<StreamFinish, RegExp>>> = {
  'done-marker': /"finish_reason"\s*:\s*"/,
  'completed-event': /response\.(?:output_text|function_call_arguments)\.done/,
  // A final event is itself the end.
};

export function endsSoon(finish: StreamFinish, lines: string): boolean {
  return ENDING_SOON[finish]?.test(lines) ?? false;
}

/** A body of Server-Sent Events, whatever its parameters (`; charset=utf-8`). */
export const isEventStream = (contentType: string) =>
  contentType.toLowerCase().startsWith('text/event-stream');

const encoder = new TextEncoder();

/**
 * The event that tells a client its stream broke. The leading blank line ends any half-written
 * event; a `data:` payload with an `error` key makes the SDKs throw instead of returning a
 * truncated answer as if it were complete.
 */
export function streamErrorEvent(cause: 'idle' | 'too_long' | 'broken'): Uint8Array {
  const message = {
    idle: 'The upstream stopped sending (STREAM_IDLE_TIMEOUT_MS); the response is incomplete.',
    too_long:
      'The stream ran longer than this proxy allows (STREAM_MAX_DURATION_MS); the response is incomplete.',
    broken: 'The upstream connection was lost before the response was complete.',
  }[cause];
  const error = openAiError(message, 'stream_interrupted', { type: 'server_error' });
  return encoder.encode(`\n\ndata: ${JSON.stringify(error)}\n\n`);
}
