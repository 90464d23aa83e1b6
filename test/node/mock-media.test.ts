// The mock's moderation, audio and image routes, driven with the official SDK; multipart bodies
// checked over raw HTTP too.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream, type RecordedRequestJson } from '../mock-upstream/server.mjs';
import { wav as wavOf } from './wav';

let mock: MockUpstream;
let client: OpenAI;
const origin = () => mock.url.replace(/\/v1$/, '');

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => mock.close());
beforeEach(async () => {
  await fetch(`${origin()}/__mock/requests`, { method: 'DELETE' });
});

/** A WAV file of silence, at 16000 samples a second. */
const wav = (seconds: number) => wavOf(seconds, 16000);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b64: string | undefined) => [...Buffer.from(b64 ?? '', 'base64').subarray(0, 8)];

describe('moderations', () => {
  it('flags marker words, one result per input, all 13 categories', async () => {
    const res = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: ['I will kill the process', 'a calm sentence'],
    });
    expect(res.id).toMatch(/^modr-/);
    expect(res.model).toBe('omni-moderation-latest');
    const [bad, good] = res.results;
    expect(bad!.flagged).toBe(true);
    expect(bad!.categories).toMatchObject({ violence: true, 'harassment/threatening': true, sexual: false });
    expect(Object.keys(bad!.categories)).toHaveLength(13);
    expect(bad!.category_scores.violence).toBeGreaterThan(0.5);
    expect(bad!.category_applied_input_types['violence/graphic']).toEqual(['text']);
    expect(good!.flagged).toBe(false);
    const image = await client.moderations.create({
      input: [
        { type: 'text', text: 'look' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      ],
    });
    expect(image.results).toHaveLength(1);
    expect(image.results[0]!.category_applied_input_types.violence).toEqual(['text', 'image']);
    expect(image.results[0]!.category_applied_input_types.hate).toEqual(['text']);
  });
});

describe('audio', () => {
  it('speech: mp3 bytes in several chunks, chunked, sized by the input', async () => {
    const res = await fetch(`${mock.url}/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(300) }),
    });
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('x-request-id')).toMatch(/^req_mock_/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfb]);
    const short = await client.audio.speech.create({
      model: 'gpt-4o-mini-tts',
      voice: 'coral',
      input: 'x'.repeat(30),
    });
    expect((await short.arrayBuffer()).byteLength).toBeLessThan(bytes.length / 5);
  });

  it('speech: wav has a valid RIFF header; missing voice is a 400', async () => {
    const res = await client.audio.speech.create({
      model: 'tts-1-hd',
      voice: 'alloy',
      input: 'hello there',
      response_format: 'wav',
    });
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const b = Buffer.from(await res.arrayBuffer());
    expect(b.toString('ascii', 0, 4) + b.toString('ascii', 8, 16)).toBe('RIFFWAVEfmt ');
    expect(b.readUInt32LE(4)).toBe(b.length - 8);
    expect(b.readUInt32LE(40)).toBe(b.length - 44);
    const err = await client.audio.speech
      .create({ model: 'tts-1', input: 'x', ...({} as { voice: 'alloy' }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      param: 'voice',
      code: 'missing_required_parameter',
    });
  });

  it('speech: stream_format sse sends base64 audio deltas, then done with usage', async () => {
    const res = await fetch(`${mock.url}/audio/speech`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'gpt-4o-mini-tts',
        voice: 'alloy',
        input: 'hello world',
        stream_format: 'sse',
      }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => JSON.parse(frame.replace(/^data: /, '')) as Record<string, unknown>);
    expect(events.at(-1)).toEqual({
      type: 'speech.audio.done',
      usage: { input_tokens: 2, output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const audio = Buffer.concat(events.slice(0, -1).map((e) => Buffer.from(String(e.audio), 'base64')));
    expect(events.slice(0, -1).every((e) => e.type === 'speech.audio.delta')).toBe(true);
    expect([...audio.subarray(0, 2)]).toEqual([0xff, 0xfb]);
  });

  it('transcriptions: whisper-1 reports seconds; gpt-4o-transcribe tokens; text format is plain', async () => {
    const file = await toFile(wav(3), 'hello.wav', { type: 'audio/wav' });
    const whisper = await client.audio.transcriptions.create({ file, model: 'whisper-1' });
    expect(whisper).toEqual({
      text: `Transcribed ${44 + 96000} bytes of hello.wav`,
      usage: { type: 'duration', seconds: 3 },
    });
    const fourO = await client.audio.transcriptions.create({
      file,
      model: 'gpt-4o-transcribe',
      prompt: 'a b',
    });
    expect(fourO.usage).toEqual({
      type: 'tokens',
      input_tokens: 32,
      input_token_details: { text_tokens: 2, audio_tokens: 30 },
      output_tokens: 5,
      total_tokens: 37,
    });
    const text = await client.audio.transcriptions.create({
      file: await toFile(Buffer.from('the words spoken'), 'speech.txt'),
      model: 'whisper-1',
      response_format: 'text',
    });
    expect(text).toBe('the words spoken\n');
    const verbose = await client.audio.transcriptions.create({
      file,
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    });
    expect(verbose).toMatchObject({ task: 'transcribe', language: 'english', duration: 3 });
    expect(verbose.words).toHaveLength(5);
  });

  it('transcriptions: stream for gpt-4o-mini-transcribe; whisper-1 refuses to stream', async () => {
    const file = await toFile(Buffer.from('streamed words here'), 'a.txt');
    const events = [];
    for await (const e of await client.audio.transcriptions.create({
      file,
      model: 'gpt-4o-mini-transcribe',
      stream: true,
    }))
      events.push(e);
    const deltas = events.flatMap((e) => (e.type === 'transcript.text.delta' ? [e.delta] : []));
    expect(deltas).toEqual(['streamed ', 'words ', 'here']);
    expect(events.at(-1)).toMatchObject({
      type: 'transcript.text.done',
      text: 'streamed words here',
      usage: { type: 'tokens', output_tokens: 3 },
    });
    const err = await client.audio.transcriptions
      .create({ file, model: 'whisper-1', stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      param: 'stream',
      code: 'unsupported_value',
    });
  });

  it('translations answer text without usage', async () => {
    const res = await client.audio.translations.create({
      file: await toFile(wav(1), 'de.wav'),
      model: 'whisper-1',
    });
    expect(res).toEqual({ text: `Translated ${44 + 32000} bytes of de.wav` });
  });
});

describe('images', () => {
  it('gpt-image-1: base64 PNGs with token usage', async () => {
    const res = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a red fox',
      n: 2,
      quality: 'low',
    });
    expect(res.data).toHaveLength(2);
    expect(isPng(res.data![0]!.b64_json)).toEqual(PNG_SIGNATURE);
    expect(res).toMatchObject({
      background: 'opaque',
      output_format: 'png',
      quality: 'low',
      size: '1024x1024',
    });
    expect(res.usage).toEqual({
      input_tokens: 3,
      input_tokens_details: { text_tokens: 3, image_tokens: 0 },
      output_tokens: 544,
      total_tokens: 547,
    });
  });

  it('dall-e-3: a URL the mock serves, and a revised prompt', async () => {
    const res = await client.images.generate({ model: 'dall-e-3', prompt: 'a blue whale' });
    const [image] = res.data!;
    expect(image!.revised_prompt).toContain('a blue whale');
    expect(res.usage).toBeUndefined();
    const png = await fetch(image!.url!);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('streams partial images, then the completed one with usage', async () => {
    const events = [];
    for await (const e of await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a cat',
      stream: true,
      partial_images: 2,
    }))
      events.push(e);
    expect(events.map((e) => [e.type, 'partial_image_index' in e ? e.partial_image_index : null])).toEqual([
      ['image_generation.partial_image', 0],
      ['image_generation.partial_image', 1],
      ['image_generation.completed', null],
    ]);
    const done = events.at(-1)!;
    expect(done.type === 'image_generation.completed' && done.usage.output_tokens).toBe(1056);
    expect(isPng(done.b64_json)).toEqual(PNG_SIGNATURE);
  });

  it('edits and variations take multipart uploads', async () => {
    const source = Buffer.from(PNG_SIGNATURE);
    const edit = await client.images.edit({
      model: 'gpt-image-1',
      image: [
        await toFile(source, 'a.png', { type: 'image/png' }),
        await toFile(source, 'b.png', { type: 'image/png' }),
      ],
      prompt: 'add a hat',
    });
    expect(edit.usage?.input_tokens_details).toEqual({ text_tokens: 3, image_tokens: 130 });
    const variation = await client.images.createVariation({
      image: await toFile(source, 'a.png', { type: 'image/png' }),
      response_format: 'b64_json',
      n: 3,
    });
    expect(variation.data!.map((d) => isPng(d.b64_json))).toEqual([
      PNG_SIGNATURE,
      PNG_SIGNATURE,
      PNG_SIGNATURE,
    ]);
    const noPrompt = await client.images
      .edit({ image: await toFile(source, 'a.png'), ...({} as { prompt: string }) })
      .catch((e: unknown) => e);
    expect(noPrompt).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('multipart over raw HTTP', () => {
  const post = (body: Buffer | string, contentType: string) =>
    fetch(`${mock.url}/audio/transcriptions`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  it('records the uploaded bytes exactly, and accepts a quoted boundary and a preamble', async () => {
    const audio = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x80, 0x7f]); // CRLF and "--" inside
    const body = Buffer.concat([
      Buffer.from(
        'preamble to ignore\r\n--b:1 x\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n',
      ),
      Buffer.from('--b:1 x\r\nContent-Disposition: form-data; name="file"; filename="raw.bin"\r\n'),
      Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
      audio,
      Buffer.from('\r\n--b:1 x\r\nContent-Disposition: form-data; name="x_mock"\r\n\r\n{"tag":"raw-upload"}'),
      Buffer.from('\r\n--b:1 x--\r\n'),
    ]);
    const res = await post(body, 'multipart/form-data; boundary="b:1 x"');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: 'Transcribed 8 bytes of raw.bin' });
    const [recorded] = mock.requests;
    expect(recorded!.tag).toBe('raw-upload');
    expect(recorded!.bodyBytes.equals(body)).toBe(true);
    const viaControl = (await (
      await fetch(`${origin()}/__mock/requests?tag=raw-upload`)
    ).json()) as RecordedRequestJson[];
    expect(Buffer.from(viaControl[0]!.bodyBase64, 'base64').equals(body)).toBe(true);
  });

  it('records what the SDK sent byte for byte', async () => {
    const audio = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    await client.audio.transcriptions.create({ file: await toFile(audio, 'bytes.bin'), model: 'whisper-1' });
    const sent = mock.requests[0]!.bodyBytes;
    expect(sent.includes(audio)).toBe(true);
    expect(mock.requests[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  });

  it.each([
    ['no boundary parameter', 'multipart/form-data', '--x\r\n\r\n--x--'],
    [
      'no closing boundary',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="model"\r\n\r\nw',
    ],
    [
      'a part without a name',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data\r\n\r\nw\r\n--x--',
    ],
    [
      'LF instead of CRLF',
      'multipart/form-data; boundary=x',
      '--x\nContent-Disposition: form-data; name="a"\n\nw\n--x--',
    ],
  ])('answers OpenAI’s 400 for a malformed body: %s', async (_, contentType, body) => {
    const res = await post(body, contentType);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'Could not parse multipart form',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });
});
