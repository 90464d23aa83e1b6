// What a relayed stream told the proxy by the time it ended. Keeps only what some consumer
// needs: every byte for the cache, otherwise just its end, the usage and a character count.
import type { Usage } from '../accounting/usage';
import { concatBytes } from '../lib/bytes';
import type { StreamFinish } from '../routes';
import { createdIdInStream, createdInStreamLines, type CreatedObject } from '../stored/names';
import { endsSoon, generatedChars, isFinished, lastEventName, usageInLines } from './sse';

/** How a stream ended, from the proxy's side. */
export type StreamEnd = 'done' | 'client_aborted' | 'idle' | 'too_long' | 'broken';

export interface StreamEnding {
  readonly end: StreamEnd;
  /** It ended the way a finished answer ends: `[DONE]` or `response.completed`. */
  readonly complete: boolean;
  /** The bytes the client was sent, when they were kept and fit in `maxBytes`. */
  readonly bytes?: Uint8Array;
  /** The usage the upstream reported, if it did. */
  readonly usage?: Usage;
  /** Characters of generated text relayed, for estimating output when no usage came. */
  readonly generatedChars: number;
}

export interface TranscriptOptions {
  readonly finish: StreamFinish;
  /** Keep the bytes up to this many (for the cache); 0 keeps none. */
  readonly maxBytes: number;
  /**
   * Look for the id of the stored object the stream creates (its first event names it), and the
   * items its output holds.
   */
  readonly watchForId?: boolean;
}

/** A response has a few output items; a hostile upstream must not grow this list. */
const MAX_CREATED_ITEMS = 256;
/** Enough of the stream's end to see a closing `data: [DONE]`. */
const TAIL_CHARS = 64;
/** A line longer than this is no SSE a client could use; a hostile upstream must not grow memory. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Reads a stream in batches of whole lines (see `sse.ts`): a few native regular expressions per
 * batch, never JavaScript per event, and no bytes kept unless the cache wants them.
 */
export class Transcript {
  private readonly decoder = new TextDecoder();
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** The start of a line that has not ended yet. */
  private partial = '';
  private tail = '';
  private lastEvent: string | undefined;
  private usage: Usage | undefined;
  private chars = 0;
  private ending = false;
  private foundId: ((id: string | undefined) => void) | undefined;
  private readonly items: CreatedObject[] = [];
  /** The id of the stored object the stream created, once its first event has been read. */
  readonly createdId: Promise<string | undefined>;

  constructor(private readonly options: TranscriptOptions) {
    this.createdId = options.watchForId
      ? new Promise((resolve) => (this.foundId = resolve))
      : Promise.resolve(undefined);
  }

  /** The items (and containers) the stream's finished output items named, so far. */
  get createdItems(): readonly CreatedObject[] {
    return this.items;
  }

  /** Raw bytes as they were relayed: kept, then read. */
  addBytes(chunk: Uint8Array): void {
    this.keep(chunk);
    this.addText(this.decoder.decode(chunk, { stream: true }));
  }

  /** Text as it was relayed, in any pieces; only whole lines are read. */
  addText(text: string): void {
    const joined = this.partial + text;
    const end = Math.max(joined.lastIndexOf('\n'), joined.lastIndexOf('\r')) + 1;
    this.partial = joined.length - end > MAX_LINE_CHARS ? '' : joined.slice(end);
    if (end > 0) this.read(joined.slice(0, end));
  }

  /** Keeps bytes for the cache; past `maxBytes` keeps nothing, since no entry could hold them. */
  keep(chunk: Uint8Array): void {
    if (this.size > this.options.maxBytes) return;
    this.size += chunk.byteLength;
    if (this.size > this.options.maxBytes) this.chunks = [];
    else this.chunks.push(chunk);
  }

  /**
   * The stream's stored object is still to be named: the client's answer waits on its id, so
   * the stream is read as it comes until then.
   */
  get awaitingId(): boolean {
    return this.foundId !== undefined;
  }

  /**
   * The stream has said its end is near (see `endsSoon`) and the cache wants it: the rest is worth
   * reading at once, so the entry lands as the client's stream ends. Without the cache, the end
   * may be seen a tick late: only the accounting waits.
   */
  get endingSoon(): boolean {
    return this.ending;
  }

  /** The stream has sent the event a finished answer ends with (nothing may follow it). */
  get finished(): boolean {
    return isFinished(this.options.finish, this.tail, this.lastEvent);
  }

  end(end: StreamEnd): StreamEnding {
    this.read(this.partial + this.decoder.decode());
    this.foundId?.(undefined);
    const kept = this.options.maxBytes > 0 && this.size <= this.options.maxBytes;
    return {
      end,
      complete: end === 'done' && this.finished,
      ...(kept ? { bytes: concatBytes(this.chunks, this.size) } : {}),
      ...(this.usage ? { usage: this.usage } : {}),
      generatedChars: this.chars,
    };
  }

  private read(lines: string): void {
    if (lines === '') return;
    if (this.foundId) {
      const id = createdIdInStream(lines);
      if (id !== undefined) this.foundId(id);
      this.foundId = id === undefined ? this.foundId : undefined;
    }
    if (this.options.watchForId && this.items.length < MAX_CREATED_ITEMS)
      this.items.push(...createdInStreamLines(lines).slice(0, MAX_CREATED_ITEMS - this.items.length));
    // Only the cache gains from an end seen at once (its entry lands before a repeat can ask).
    if (!this.ending && this.options.maxBytes > 0) this.ending = endsSoon(this.options.finish, lines);
    this.tail = (this.tail + lines).slice(-TAIL_CHARS);
    this.usage = usageInLines(lines) ?? this.usage;
    this.chars += generatedChars(lines, this.options.finish);
    if (this.options.finish !== 'done-marker') this.lastEvent = lastEventName(lines) ?? this.lastEvent;
  }
}
