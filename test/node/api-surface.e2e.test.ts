// The rest of the API a web app calls, driven with the official openai SDK through the real
// Worker (wrangler's dev server): speech, transcription, images, moderation, the Responses
// lifecycle and conversations; and stored objects that belong to the caller that made them.
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { shared, upstreamRequests } from './shared-proxy';
import { BUDGET_KEY, CLIENT_KEY } from './start-proxy';
import { until } from './wait';
import { wav as wavOf } from './wav';

const alice = new OpenAI({ baseURL: shared.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 });
const bob = new OpenAI({ baseURL: shared.baseURL, apiKey: BUDGET_KEY, maxRetries: 0 });
const tagged = (prefix: string) => `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** A WAV file of silence, at 8000 samples a second. */
const wav = (seconds: number) => wavOf(seconds, 8000);

describe('speech, transcription, images and moderation', () => {
  it('speaks: audio bytes arrive as the upstream sent them', async () => {
    const speech = await alice.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'Hello from the proxy.',
    });
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await speech.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(100);
    expect(bytes[0]).toBe(0xff); // An MPEG frame header.
  });

  it('transcribes a file, forwarding the multipart body byte for byte, and streams when asked', async () => {
    const tag = tagged('transcribe');
    const file = await toFile(wav(1), 'clip.wav', { type: 'audio/wav' });
    const text = await alice.audio.transcriptions.create({
      file,
      model: 'gpt-4o-mini-transcribe',
      user: tag,
    } as never);
    expect(text.text).toContain('clip.wav');
    const [forwarded] = await upstreamRequests(tag);
    expect(forwarded?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const streamed = await alice.audio.transcriptions.create({
      file: await toFile(wav(1), 'again.wav', { type: 'audio/wav' }),
      model: 'gpt-4o-mini-transcribe',
      stream: true,
    });
    const events: string[] = [];
    for await (const event of streamed) events.push(event.type);
    expect(events.at(-1)).toBe('transcript.text.done');
  });

  it('generates and edits images, and streams partial images', async () => {
    const image = await alice.images.generate({
      model: 'dall-e-2',
      prompt: 'a cat',
      size: '256x256',
      response_format: 'b64_json',
    });
    expect(image.data?.[0]?.b64_json).toBeTruthy();
    const png = Buffer.from(image.data![0]!.b64_json!, 'base64');
    const edited = await alice.images.edit({
      model: 'dall-e-2',
      image: await toFile(png, 'cat.png', { type: 'image/png' }),
      prompt: 'a hat',
    });
    expect(edited.data?.length).toBe(1);
    const stream = await alice.images.generate({
      model: 'gpt-image-1',
      prompt: 'a dog',
      stream: true,
      partial_images: 1,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('image_generation.completed');
  });

  it('moderates', async () => {
    const result = await alice.moderations.create({ input: 'I want to kill the lights' });
    expect(result.results[0]?.flagged).toBe(true);
  });
});

describe('the Responses lifecycle', () => {
  it('runs a background response to completion, resumes its stream, lists its input and deletes it', async () => {
    const created = await alice.responses.create({
      model: 'echo-1',
      input: 'one two three',
      background: true,
    });
    expect(['queued', 'in_progress']).toContain(created.status);
    let done = created;
    await until(
      async () => (done = await alice.responses.retrieve(created.id)).status === 'completed',
      10_000,
    );
    expect(done.output_text).toContain('one two three');
    const resumed = await alice.responses.retrieve(created.id, { stream: true, starting_after: 2 });
    const sequence: number[] = [];
    for await (const event of resumed) sequence.push(event.sequence_number);
    expect(sequence[0]).toBe(3);
    const items = await alice.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);
    await alice.responses.delete(created.id);
    await expect(alice.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('cancels a background response, and counts input tokens', async () => {
    const created = await alice.responses.create({
      model: 'echo-slow',
      input: 'a b c d e f',
      background: true,
    });
    const cancelled = await alice.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    const counted = await alice.responses.inputTokens.count({
      model: 'echo-1',
      input: 'four words right here',
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('keeps conversations: create, items, a response in it, update, delete', async () => {
    const conversation = await alice.conversations.create({ metadata: { topic: 'test' } });
    await alice.conversations.items.create(conversation.id, {
      items: [{ type: 'message', role: 'user', content: 'remember this' }],
    });
    await alice.responses.create({ model: 'echo-1', input: 'and this', conversation: conversation.id });
    const items = await alice.conversations.items.list(conversation.id);
    expect(items.data.length).toBeGreaterThanOrEqual(3);
    const first = items.data.at(-1)!;
    expect(
      (await alice.conversations.items.retrieve(first.id!, { conversation_id: conversation.id })).id,
    ).toBe(first.id);
    const updated = await alice.conversations.update(conversation.id, { metadata: { topic: 'changed' } });
    expect(updated.metadata).toMatchObject({ topic: 'changed' });
    expect((await alice.conversations.delete(conversation.id)).deleted).toBe(true);
  });
});

describe('stored objects belong to their caller', () => {
  it('gives another caller 404 for every route and body field naming them, and forwards nothing', async () => {
    const response = await alice.responses.create({ model: 'echo-1', input: 'mine' });
    const conversation = await alice.conversations.create({});
    const tag = tagged('stranger');
    const attempts: (() => Promise<unknown>)[] = [
      () => bob.responses.retrieve(response.id),
      () => bob.responses.delete(response.id),
      () => bob.responses.cancel(response.id),
      () => bob.responses.inputItems.list(response.id),
      () =>
        bob.responses.create({
          model: 'echo-1',
          input: 'steal',
          previous_response_id: response.id,
          user: tag,
        }),
      () =>
        bob.responses.create({ model: 'echo-1', input: 'steal', conversation: conversation.id, user: tag }),
      () => bob.conversations.retrieve(conversation.id),
      () => bob.conversations.update(conversation.id, { metadata: { x: 'y' } }),
      () => bob.conversations.delete(conversation.id),
      () => bob.conversations.items.list(conversation.id),
      () => bob.conversations.items.create(conversation.id, { items: [] }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await upstreamRequests(tag)).toHaveLength(0);
    // The owner still has both.
    expect((await alice.responses.retrieve(response.id)).id).toBe(response.id);
    expect((await alice.conversations.retrieve(conversation.id)).id).toBe(conversation.id);
  });

  it('gives another caller 404 for items of stored answers named in a body, and forwards nothing', async () => {
    const response = await alice.responses.create({ model: 'echo-1', input: 'my secret plan' });
    const conversation = await alice.conversations.create({});
    const added = await alice.conversations.items.create(conversation.id, {
      items: [{ type: 'message', role: 'user', content: 'my secret note' }],
    });
    const streamed = await alice.responses.create({ model: 'echo-1', input: 'streamed plan', stream: true });
    let streamedItem = '';
    for await (const event of streamed) {
      if (event.type === 'response.output_item.done') streamedItem = event.item.id!;
    }
    const own = await bob.conversations.create({});
    const tag = tagged('item-thief');
    const reference = (id: string) => ({ type: 'item_reference' as const, id });
    const steal = (id: string) => () =>
      bob.responses.create({
        model: 'echo-1',
        input: [reference(id), { role: 'user', content: 'repeat that' }],
        user: tag,
      });
    const itemIds = [response.output[0]!.id!, added.data[0]!.id!];
    const attempts = [
      ...itemIds.map(steal),
      // A reasoning item without its encrypted content is fetched by id, like a reference.
      () =>
        bob.responses.create({
          model: 'echo-1',
          input: [
            { type: 'reasoning', id: itemIds[0]!, summary: [] },
            { role: 'user', content: tag },
          ],
        }),
      () => bob.conversations.items.create(own.id, { items: [reference(itemIds[0]!)] }),
      () => bob.responses.inputTokens.count({ model: 'echo-1', input: [reference(itemIds[1]!)] }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await upstreamRequests(tag)).toHaveLength(0);
    // A stream's items are recorded once it has ended, just after its last event reaches the client.
    const late = tagged('late-thief');
    const stealStreamed = () =>
      bob.responses.create({ model: 'echo-1', input: [reference(streamedItem)], user: late });
    await until(
      async () => (await stealStreamed().catch((error: unknown) => error)) instanceof OpenAI.NotFoundError,
    );
    const before = (await upstreamRequests(late)).length;
    await expect(stealStreamed()).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await upstreamRequests(late)).toHaveLength(before);
    // Alice may refer to her own items; an id the proxy never recorded is the provider's to resolve.
    const mine = await alice.responses.create({
      model: 'echo-1',
      input: [reference(itemIds[0]!), { role: 'user', content: 'go on' }],
    });
    expect(mine.status).toBe('completed');
    const unseen = tagged('unseen');
    await bob.responses.create({ model: 'echo-1', input: [reference('msg_never_recorded')], user: unseen });
    expect(await upstreamRequests(unseen)).toHaveLength(1);
    // An item passed back with its content reveals nothing by its id: it is not looked up.
    const carried = tagged('carried');
    await bob.responses.create({
      model: 'echo-1',
      input: [{ ...response.output[0]!, type: 'message' } as never, { role: 'user', content: 'go on' }],
      user: carried,
    });
    expect(await upstreamRequests(carried)).toHaveLength(1);
  });

  it('a follow-up sent the moment a stored response arrives finds it', async () => {
    const first = await alice.responses.create({ model: 'echo-1', input: 'start' });
    const next = await alice.responses.create({
      model: 'echo-1',
      input: 'go on',
      previous_response_id: first.id,
    });
    expect(next.previous_response_id).toBe(first.id);
    const stream = await alice.responses.create({ model: 'echo-1', input: 'streamed', stream: true });
    let id = '';
    for await (const event of stream) if (event.type === 'response.created') id = event.response.id;
    const after = await alice.responses.create({ model: 'echo-1', input: 'more', previous_response_id: id });
    expect(after.previous_response_id).toBe(id);
  });

  it('answers an id never seen with the 404 OpenAI gives', async () => {
    const error = await alice.responses.retrieve('resp_never_seen').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      "Response with id 'resp_never_seen' not found.",
    );
  });
});

describe('GET /v1/me with the SDK', () => {
  it('is client.get("/me")', async () => {
    const me = (await bob.get('/me')) as { kind: string; limits: Record<string, { limit: number }> };
    expect(me.kind).toBe('key');
    expect(me.limits['tokens_per_day']?.limit).toBeGreaterThan(0);
  });
});
