// Keeps a stream's bytes for the cache and for usage, up to a limit, joined once at the end.

/** Keeps chunks up to a byte limit; past it, keeps nothing (an entry too large to store). */
export class Collector {
  private chunks: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  add(chunk: Uint8Array): void {
    if (this.size > this.limit) return;
    this.size += chunk.byteLength;
    if (this.size > this.limit) this.chunks = [];
    else this.chunks.push(chunk);
  }

  bytes(): Uint8Array | undefined {
    if (this.limit === 0 || this.size > this.limit) return undefined;
    const bytes = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }
}
