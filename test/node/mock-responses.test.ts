// The mock's stateful Responses and Conversations APIs, driven with the official SDK.
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.mjs';
import { until } from './wait';

/** Extra body fields the SDK's param types don't know; spread as `{}` so TS accepts them. */
const xMock = (x: Record<string, unknown>): {} => ({ x_mock: x });

let mock: MockUpstream;
let client: OpenAI;
const release = (tag: string) =>
  fetch(`${mock.url.replace(/\/v1$/, '')}/__mock/release?tag=${tag}`, { method: 'POST' });

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => mock.close());

async function drain(stream: AsyncIterable<ResponseStreamEvent>) {
  const events: ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

describe('stored responses', () => {
  it('retrieves, lists input items (newest first), continues by previous_response_id, deletes', async () => {
    const first = await client.responses.create({
      model: 'echo-1',
      input: 'one two',
      instructions: 'be brief',
    });
    expect(first.usage?.input_tokens).toBe(4);
    expect(await client.responses.retrieve(first.id)).toEqual(first);
    const items = [];
    for await (const item of client.responses.inputItems.list(first.id)) items.push(item);
    expect(items).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'message',
        status: 'completed',
        content: [{ type: 'input_text', text: 'one two' }],
        role: 'user',
      },
    ]);
    const next = await client.responses.create({
      model: 'echo-1',
      previous_response_id: first.id,
      input: [{ role: 'user', content: 'three' }],
    });
    expect(next.previous_response_id).toBe(first.id);
    expect(next.output_text).toBe('You said: three');
    // Earlier input (2) and output (4) count as context, plus the new input (1).
    expect(next.usage?.input_tokens).toBe(7);
    const counted = await client.responses.inputTokens.count({
      model: 'echo-1',
      previous_response_id: first.id,
      input: 'three',
    });
    expect(counted).toEqual({ object: 'response.input_tokens', input_tokens: 7 });

    const res = await fetch(`${mock.url}/responses/${first.id}`, { method: 'DELETE' });
    expect(await res.json()).toEqual({ id: first.id, object: 'response', deleted: true });
    await client.responses.delete(next.id);
    const gone = await client.responses.retrieve(first.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect((gone as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: `Response with id '${first.id}' not found.`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('400s a previous_response_id it never stored, and store:false keeps nothing', async () => {
    const err = await client.responses
      .create({ model: 'echo-1', input: 'x', previous_response_id: 'resp_nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: "Previous response with id 'resp_nope' not found.",
      type: 'invalid_request_error',
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    });
    const unstored = await client.responses.create({ model: 'echo-1', input: 'x', store: false });
    expect(unstored).toMatchObject({ store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('replays a stored stream after starting_after', async () => {
    const all = await drain(await client.responses.create({ model: 'echo-1', input: 'a b c', stream: true }));
    const id = all[0]!.type === 'response.created' ? all[0]!.response.id : '';
    const tail = await drain(await client.responses.retrieve(id, { stream: true, starting_after: 5 }));
    expect(tail).toEqual(all.slice(6));
  });
});

describe('background responses', () => {
  it('answer queued at once, then complete on their own; retrieve polls the status', async () => {
    const t0 = performance.now();
    const queued = await client.responses.create({
      model: 'echo-1',
      input: 'later please',
      background: true,
      ...xMock({ delayMs: 1000 }),
    });
    expect(performance.now() - t0).toBeLessThan(800); // not held for the 1000 ms it stays queued
    expect(queued).toMatchObject({ status: 'queued', background: true, output: [], usage: null });
    let current = await client.responses.retrieve(queued.id);
    expect(current.status).toBe('queued');
    await until(async () => (current = await client.responses.retrieve(queued.id)).status === 'completed');
    expect(current.output_text).toBe('You said: later please');
    expect(current.background).toBe(true);
  });

  it('a background stream can be resumed mid-way and keeps going while the response runs', async () => {
    const tag = 'bg-resume';
    const stream = await client.responses.create({
      model: 'echo-1',
      input: 'x',
      background: true,
      stream: true,
      ...xMock({ delayMs: 0, scenario: 'gated', count: 3, tag }),
    });
    const it = stream[Symbol.asyncIterator]();
    const seen: ResponseStreamEvent[] = [];
    while (seen.at(-1)?.type !== 'response.output_text.delta') seen.push((await it.next()).value);
    expect(seen.map((e) => e.type)).toEqual([
      'response.created',
      'response.queued',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
    ]);
    expect(seen[0]).toMatchObject({ response: { status: 'queued', background: true } });
    stream.controller.abort(); // the client drops; the response keeps running
    const id = seen[0]!.type === 'response.created' ? seen[0]!.response.id : '';
    const resumed = client.responses.retrieve(id, { stream: true, starting_after: 5 });
    await release(tag);
    await release(tag);
    const rest = await drain(await resumed);
    expect(rest[0]!.sequence_number).toBe(6);
    const deltas = rest.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas).toEqual(['part1 ', 'part2']);
    expect(rest.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
  });

  it('cancel stops a running background response; only background ones can be cancelled', async () => {
    const queued = await client.responses.create({
      model: 'echo-1',
      input: 'never mind',
      background: true,
      ...xMock({ delayMs: 60_000 }),
    });
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', output: [] });
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
    expect((await client.responses.cancel(queued.id)).status).toBe('cancelled');
    const events = await drain(await client.responses.retrieve(queued.id, { stream: true }));
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.queued']);
    const foreground = await client.responses.create({ model: 'echo-1', input: 'x' });
    await expect(client.responses.cancel(foreground.id)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('conversations', () => {
  it('create, retrieve, update metadata, delete; unknown ids 404', async () => {
    const conv = await client.conversations.create({
      metadata: { topic: 'demo' },
      items: [{ type: 'message', role: 'user', content: 'hello' }],
    });
    expect(conv).toEqual({
      id: expect.stringMatching(/^conv_/),
      object: 'conversation',
      created_at: expect.any(Number),
      metadata: { topic: 'demo' },
    });
    expect(await client.conversations.retrieve(conv.id)).toEqual(conv);
    const updated = await client.conversations.update(conv.id, { metadata: { topic: 'changed' } });
    expect(updated.metadata).toEqual({ topic: 'changed' });
    expect(await client.conversations.delete(conv.id)).toEqual({
      id: conv.id,
      object: 'conversation.deleted',
      deleted: true,
    });
    const err = await client.conversations.retrieve(conv.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ error: { message: `Conversation with id '${conv.id}' not found.` } });
  });

  it('items: create, list (newest first, paged), retrieve, delete (answers the conversation)', async () => {
    const conv = await client.conversations.create();
    const created = await client.conversations.items.create(conv.id, {
      items: [
        { type: 'message', role: 'user', content: 'first' },
        { type: 'message', role: 'assistant', content: 'second' },
        { type: 'message', role: 'user', content: 'third' },
      ],
    });
    expect(created).toMatchObject({ object: 'list', has_more: false });
    expect(created.data.map((i) => i.type === 'message' && i.content[0])).toEqual([
      { type: 'input_text', text: 'first' },
      { type: 'output_text', annotations: [], logprobs: [], text: 'second' },
      { type: 'input_text', text: 'third' },
    ]);
    const page = await client.conversations.items.list(conv.id, { limit: 2 });
    expect(page.data.map((i) => i.id)).toEqual([created.data[2]!.id, created.data[1]!.id]);
    expect(page.has_more).toBe(true);
    const all = [];
    for await (const item of client.conversations.items.list(conv.id, { limit: 2, order: 'asc' }))
      all.push(item.id);
    expect(all).toEqual(created.data.map((i) => i.id));
    const second = created.data[1]!;
    const secondId = second.id!;
    expect(await client.conversations.items.retrieve(secondId, { conversation_id: conv.id })).toEqual(second);
    const after = await client.conversations.items.delete(secondId, { conversation_id: conv.id });
    expect(after).toMatchObject({ id: conv.id, object: 'conversation' });
    await expect(
      client.conversations.items.retrieve(secondId, { conversation_id: conv.id }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a response in a conversation reads it as context and appends its input and output', async () => {
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'earlier words' }] });
    const res = await client.responses.create({ model: 'echo-1', conversation: conv.id, input: 'now' });
    expect(res.conversation).toEqual({ id: conv.id });
    expect(res.usage?.input_tokens).toBe(3);
    const items = [];
    for await (const item of client.conversations.items.list(conv.id, { order: 'asc' })) items.push(item);
    expect(items.map((i) => i.type === 'message' && [i.role, i.content[0]])).toEqual([
      ['user', { type: 'input_text', text: 'earlier words' }],
      ['user', { type: 'input_text', text: 'now' }],
      ['assistant', { type: 'output_text', annotations: [], logprobs: [], text: 'You said: now' }],
    ]);
    const unknown = await client.responses
      .create({ model: 'echo-1', conversation: 'conv_nope', input: 'x' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
