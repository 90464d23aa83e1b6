// The mock's model catalogue and tool calls, driven with the official SDK pointed at the mock.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.mjs';

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => mock.close());

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer' },
      },
      required: ['city', 'unit', 'days'],
    },
  },
};
const clock: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: {}, required: [] } },
};

describe('model catalogue', () => {
  it('lists the mock models and retrieves real OpenAI ids and dated snapshots, unlisted', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['echo-1', 'echo-slow', 'text-embedding-echo']);
    for (const id of ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'o3', 'whisper-1', 'ft:gpt-4o-mini:org::x1'])
      expect(await client.models.retrieve(id)).toEqual({
        id,
        object: 'model',
        created: 1700000000,
        owned_by: 'system',
      });
  });

  it("404s a typo in GET /v1/models/{id} with that route's wording", async () => {
    const err = await client.models.retrieve('gpt-4o-minii').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: "The model 'gpt-4o-minii' does not exist",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  });

  it('404s a request naming a model it does not serve, in the generation routes’ wording', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-minii', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: 'The model `gpt-4o-minii` does not exist or you do not have access to it.',
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    });
    const ok = await client.chat.completions.create({
      model: 'gpt-4o-mini-2024-07-18',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(ok.choices[0]!.message.content).toBe('You said: hi');
    const embedded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    expect(embedded.data).toHaveLength(1);
  });

  it('models replaces the catalogue (all listed) and extraModels adds to it', async () => {
    const own = await startMockUpstream({ models: ['local-llm'], extraModels: ['local-embed'] });
    try {
      const c = new OpenAI({ baseURL: own.url, apiKey: 'k', maxRetries: 0 });
      const ids: string[] = [];
      for await (const m of c.models.list()) ids.push(m.id);
      expect(ids).toEqual(['local-llm', 'local-embed']);
      const echo = await c.chat.completions.create({
        model: 'local-llm',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(echo.choices[0]!.message.content).toBe('You said: x');
      await expect(
        c.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await own.close();
    }
  });

  it('x_mock scenarios still run first, whatever the model', async () => {
    const err = await client.chat.completions
      .create({
        model: 'gpt-4.1',
        messages: [{ role: 'user', content: 'x' }],
        ...({ x_mock: { scenario: 'status', status: 503 } } as {}),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe('chat tool calls', () => {
  const ask: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Paris in spring' }];

  it('calls the first tool with arguments filled from the user message', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      tools: [weather, clock],
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: expect.stringMatching(/^call_/),
          type: 'function',
          function: {
            name: 'get_weather',
            arguments: '{"city":"Paris in spring","unit":"celsius","days":3}',
          },
        },
      ],
      refusal: null,
      annotations: [],
    });
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('follows tool_choice, and answers text for tool_choice "none"', async () => {
    const named = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      tools: [weather, clock],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(named.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      function: { name: 'get_time', arguments: '{}' },
    });
    const none = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      tools: [weather],
      tool_choice: 'none',
    });
    expect(none.choices[0]!.message).toMatchObject({ content: 'You said: Paris in spring' });
    expect(none.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams the call: id and name first, argument fragments, finish_reason tool_calls, usage', async () => {
    const chunks = [];
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      tools: [weather],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          index: 0,
          id: expect.stringMatching(/^call_/),
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
      refusal: null,
    });
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? []);
    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments.join('')).toBe('{"city":"Paris in spring","unit":"celsius","days":3}');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('a loop ends: the tool results come back as text quoting them', async () => {
    const messages: ChatCompletionMessageParam[] = [...ask];
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weather] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weather] });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toBe('Tool get_weather said: sunny, 21C');
  });

  it("drives the SDK's runTools loop to a final answer, streamed", async () => {
    const runner = client.chat.completions.runTools({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'Looks something up',
            parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
            function: (args: { query: string }) => `found ${args.query.length} chars`,
            parse: JSON.parse,
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('Tool lookup said: found 15 chars');
  });
});

describe('Responses API tool calls', () => {
  const tool: FunctionTool = {
    type: 'function',
    name: 'search',
    strict: true,
    parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  };

  it('answers a function_call item, then text once given its output', async () => {
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'find cats', tools: [tool] });
    expect(first.output).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        arguments: '{"q":"find cats"}',
        call_id: expect.stringMatching(/^call_/),
        name: 'search',
      },
    ]);
    expect(first.tools).toEqual([tool]);
    const call = first.output[0]!;
    if (call.type !== 'function_call') throw new Error('expected a function call');
    const input: ResponseInputItem[] = [
      { role: 'user', content: 'find cats' },
      call,
      { type: 'function_call_output', call_id: call.call_id, output: '3 cats' },
    ];
    const second = await client.responses.create({ model: 'gpt-4.1', input, tools: [tool] });
    expect(second.output_text).toBe('Tool search said: 3 cats');
    // Chained by previous_response_id, the call is found in the stored response.
    const chained = await client.responses.create({
      model: 'gpt-4.1',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'none' }],
      tools: [tool],
    });
    expect(chained.output_text).toBe('Tool search said: none');
  });

  it('streams output_item.added, argument deltas, .done, output_item.done, completed', async () => {
    const events = [];
    for await (const e of await client.responses.create({
      model: 'gpt-4.1',
      input: 'find dogs',
      tools: [tool],
      stream: true,
    }))
      events.push(e);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
    ]);
    expect(types.slice(-3)).toEqual([
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const added = events[2]!;
    expect(added.type === 'response.output_item.added' && added.item).toMatchObject({
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      name: 'search',
    });
    const deltas = events.flatMap((e) =>
      e.type === 'response.function_call_arguments.delta' ? [e.delta] : [],
    );
    expect(deltas.join('')).toBe('{"q":"find dogs"}');
    const done = events.at(-3)!;
    expect(done).toMatchObject({ item_id: expect.stringMatching(/^fc_/), output_index: 0, name: 'search' });
    const final = await client.responses
      .stream({ model: 'gpt-4.1', input: 'find dogs', tools: [tool] })
      .finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'function_call', arguments: '{"q":"find dogs"}' });
  });
});
