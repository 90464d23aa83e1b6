// @ts-check
// Incremental SSE reading for latency: notes when each event carrying `"seq":N` became complete
// at the client. Events can be split across reads, so a partial tail is kept for the next read.

const SEQ = '"seq":';
const USAGE = '"usage":{';

export class SeqClock {
  /** Arrival time (performance.now()) of the event carrying each seq, indexed by seq. */
  /** @type {number[]} */
  arrivals = [];
  /** Whether `data: [DONE]` arrived, i.e. the stream ended the way OpenAI ends one. */
  done = false;
  /** Whether an event carried a usage object (not `"usage":null`): the usage-only chunk. */
  usage = false;
  #pending = '';

  /**
   * Latin-1 decoding maps each byte to one char, so multi-byte UTF-8 can never be cut into
   * something that looks like the ASCII we search for, and no decoder state is needed.
   * @param {Buffer} chunk @param {number} at
   */
  feed(chunk, at) {
    const text = this.#pending + chunk.toString('latin1');
    let from = 0;
    // The mock frames events with "\n\n" (as api.openai.com does).
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n', from)) {
      this.#event(text.slice(from, end), at);
      from = end + 2;
    }
    this.#pending = text.slice(from);
  }

  /** @param {string} event @param {number} at */
  #event(event, at) {
    const found = event.indexOf(SEQ);
    if (found !== -1) {
      const seq = Number.parseInt(event.slice(found + SEQ.length, found + SEQ.length + 12), 10);
      if (Number.isInteger(seq) && this.arrivals[seq] === undefined) this.arrivals[seq] = at;
    } else if (event === 'data: [DONE]') {
      this.done = true;
    } else if (event.includes(USAGE)) {
      this.usage = true;
    }
  }
}
