// Table tests for the one SSE module and the JavaScript relay built on it.
import { describe, expect, it } from 'vitest';
import { secretRedactor } from '../../src/http/redact';
import { relayInJs } from '../../src/relay/js-relay';
import { EventSplitter, isUsageOnlyChunk, usageInLines } from '../../src/relay/sse';
import { Transcript } from '../../src/relay/transcript';

const FINISH = {
  'chat.completions': 'done-marker',
  completions: 'done-marker',
  responses: 'completed-event',
} as const;
const relayOptions = { idleTimeoutMs: 0, maxDurationMs: 0, redactor: secretRedactor([]) };

const bytes = (text: string) => new TextEncoder().encode(text);

/** A stream that delivers `text` in pieces of `size` bytes. */
function pieces(text: string, size: number): ReadableStream<Uint8Array> {
  const all = bytes(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= all.length) return controller.close();
      controller.enqueue(all.slice(at, at + size));
      at += size;
    },
  });
}

/** Every event of `stream`, ended like a finished stream, and whether it was a finished answer. */
function transcriptOf(stream: string, route: 'chat.completions' | 'completions' | 'responses') {
  const transcript = new Transcript({ finish: FINISH[route], maxBytes: 0 });
  transcript.addBytes(bytes(stream));
  return transcript.end('done');
}

describe('EventSplitter', () => {
  it.each([
    ['data: a\n\ndata: b', ['data: a\n\n'], 'data: b'],
    ['data: a\r\n\r\ndata: b\r\n\r\n', ['data: a\r\n\r\n', 'data: b\r\n\r\n'], ''],
    ['data: a\r\n\r', [], 'data: a\r\n\r'],
    [': keep-alive\n\ndata: x\r\rdata: y\n', [': keep-alive\n\n', 'data: x\r\r'], 'data: y\n'],
  ])('%j', (input, events, rest) => {
    const splitter = new EventSplitter();
    expect(splitter.push(input)).toEqual(events);
    expect(splitter.flush()).toBe(rest);
  });

  it('finds a boundary split across pushes, CRLF halves included', () => {
    const splitter = new EventSplitter();
    expect(splitter.push('data: a\r')).toEqual([]);
    expect(splitter.push('\n\r')).toEqual([]);
    expect(splitter.push('\ndata: b\n')).toEqual(['data: a\r\n\r\n']);
    expect(splitter.push('\n')).toEqual(['data: b\n\n']);
  });
});

describe('what a stream says', () => {
  it.each([
    ['data: {"a":1}\n\ndata: [DONE]\n\n', 'chat.completions', true],
    ['data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n', 'completions', true],
    ['data: {"a":1}\n\n', 'chat.completions', false],
    ['data: [DONE]\n\ndata: {"error":{}}\n\n', 'chat.completions', false],
    ['event: response.completed\ndata: {"type":"response.completed"}\n\n', 'responses', true],
    ['event: response.failed\ndata: {"type":"response.failed"}\n\n', 'responses', false],
  ] as const)('%j on %s is finished: %s', (stream, route, expected) => {
    expect(transcriptOf(stream, route).complete).toBe(expected);
  });

  it('treats [DONE] as final only as the data of an event', () => {
    expect(transcriptOf('data: [DONE]\n\n', 'chat.completions').complete).toBe(true);
    expect(transcriptOf('data: {"text":"[DONE]"}\n\n', 'chat.completions').complete).toBe(false);
  });

  it('reads a stream the same however it is cut into pieces', () => {
    const stream =
      'data: {"choices":[{"delta":{"content":"Héllo"}}]}\r\n\r\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\r\n\r\ndata: [DONE]\r\n\r\n';
    const whole = transcriptOf(stream, 'chat.completions');
    for (const size of [1, 2, 5, 13]) {
      const transcript = new Transcript({ finish: 'done-marker', maxBytes: 1 << 20 });
      const all = bytes(stream);
      for (let at = 0; at < all.length; at += size) transcript.addBytes(all.subarray(at, at + size));
      const ending = transcript.end('done');
      expect(ending).toMatchObject({
        complete: true,
        usage: whole.usage,
        generatedChars: whole.generatedChars,
      });
      expect(ending.bytes).toEqual(all);
    }
  });

  it('recognises only a usage-only chunk', () => {
    expect(isUsageOnlyChunk('data: {"choices":[],"usage":{"total_tokens":7}}\n\n')).toBe(true);
    expect(usageInLines('data: {"choices":[],"usage":{"total_tokens":7}}\n\n')).toEqual({
      input: 0,
      output: 7,
    });
    expect(isUsageOnlyChunk('data: {"choices":[{"delta":{}}],"usage":null}\n\n')).toBe(false);
    expect(isUsageOnlyChunk('data: [DONE]\n\n')).toBe(false);
  });

  it('reads usage from chat and Responses streams', () => {
    const chat =
      'data: {"choices":[]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n';
    expect(transcriptOf(chat, 'chat.completions').usage).toEqual({ input: 3, output: 4 });
    const responses =
      'event: response.completed\ndata: {"response":{"usage":{"input_tokens":2,"output_tokens":5,"total_tokens":7}}}\n\n';
    expect(transcriptOf(responses, 'responses').usage).toEqual({ input: 2, output: 5 });
    expect(transcriptOf('data: {"choices":[]}\n\n', 'chat.completions').usage).toBeUndefined();
  });

  it('counts the generated characters of deltas, not of the repeated full text', () => {
    const chat =
      'data: {"choices":[{"delta":{"content":"Hello"}}]}\n\ndata: {"choices":[{"delta":{"content":" you"}}]}\n\n';
    expect(transcriptOf(chat, 'chat.completions').generatedChars).toBe(9);
    const responses =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n' +
      'event: response.output_text.done\ndata: {"type":"response.output_text.done","text":"Hi"}\n\n';
    expect(transcriptOf(responses, 'responses').generatedChars).toBe(2);
  });
});

describe('the JavaScript relay', () => {
  const finish = 'data: {"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null}\r\n\r\n';
  const usage = 'data: {"choices":[],"usage":{"total_tokens":9}}\r\n\r\n';
  const done = 'data: [DONE]\r\n\r\n';
  const stream = `: ok\n\n${finish}${usage}${done}`;

  it.each([1, 3, 7, 50, stream.length])(
    'removes only the usage chunk, fed %i bytes at a time',
    async (size) => {
      const transcript = new Transcript({ finish: 'done-marker', maxBytes: 1 << 20 });
      const relay = relayInJs(pieces(stream, size), { ...relayOptions, stripUsage: true, transcript });
      expect(await new Response(relay.body).text()).toBe(`: ok\n\n${finish}${done}`);
      const ending = await relay.ended;
      expect(ending).toMatchObject({ end: 'done', complete: true, usage: { input: 0, output: 9 } });
      expect(new TextDecoder().decode(ending.bytes)).toBe(`: ok\n\n${finish}${done}`);
    },
  );

  it('passes every byte through when not stripping', async () => {
    const transcript = new Transcript({ finish: 'done-marker', maxBytes: 0 });
    const relay = relayInJs(pieces(stream, 5), { ...relayOptions, stripUsage: false, transcript });
    expect(await new Response(relay.body).text()).toBe(stream);
  });
});
