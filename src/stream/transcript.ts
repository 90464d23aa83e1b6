// What a relayed stream told the proxy by the time it ended. Keeps only what some consumer
// needs: every byte for the cache, otherwise just the last event, the usage and a character count.
import type { Usage } from '../quota/usage';
import type { RouteName } from '../routes';
import { EventSplitter, generatedChars, isFinalEvent, usageInEvent } from './sse';

/** How a stream ended, from the proxy's side. */
export type StreamEnd = 'done' | 'client_aborted' | 'idle' | 'broken';

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
  readonly route: RouteName;
  /** Keep the bytes up to this many (for the cache); 0 keeps none. */
  readonly maxBytes: number;
}

export class Transcript {
  private readonly splitter = new EventSplitter();
  private readonly decoder = new TextDecoder();
  private chunks: Uint8Array[] = [];
  private size = 0;
  private lastEvent = '';
  private usage: Usage | undefined;
  private chars = 0;

  constructor(private readonly options: TranscriptOptions) {}

  /** Raw bytes as they were relayed: kept, then read event by event. */
  addBytes(chunk: Uint8Array): void {
    this.keep(chunk);
    this.addEvents(this.splitter.push(this.decoder.decode(chunk, { stream: true })));
  }

  /** Events the caller already split (the JavaScript relay does), including any it held back. */
  addEvents(events: readonly string[]): void {
    for (const event of events) {
      if (event.trim() === '') continue;
      this.lastEvent = event;
      this.usage = usageInEvent(event) ?? this.usage;
      this.chars += generatedChars(event, this.options.route);
    }
  }

  /** Keeps bytes for the cache; past `maxBytes` keeps nothing, since no entry could hold them. */
  keep(chunk: Uint8Array): void {
    if (this.size > this.options.maxBytes) return;
    this.size += chunk.byteLength;
    if (this.size > this.options.maxBytes) this.chunks = [];
    else this.chunks.push(chunk);
  }

  end(end: StreamEnd): StreamEnding {
    this.addEvents([...this.splitter.push(this.decoder.decode()), this.splitter.flush()]);
    const bytes = this.options.maxBytes > 0 && this.size <= this.options.maxBytes ? this.joined() : undefined;
    return {
      end,
      complete: end === 'done' && isFinalEvent(this.lastEvent, this.options.route),
      ...(bytes ? { bytes } : {}),
      ...(this.usage ? { usage: this.usage } : {}),
      generatedChars: this.chars,
    };
  }

  private joined(): Uint8Array {
    const bytes = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }
}
