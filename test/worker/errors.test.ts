import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, post, received, send, uniqueTag } from './helpers';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  return body;
}

describe('bad input', () => {
  it.each([
    ['invalid JSON', '{"model":'],
    ['an empty body', ''],
    ['a JSON array', '[1,2]'],
  ])('answers 400 for %s and forwards nothing', async (_, body) => {
    const { response } = await post('/v1/chat/completions', body);
    await expectError(response, 400, 'invalid_json');
  });

  it('answers 413 for a body over MAX_BODY_BYTES without calling upstream', async () => {
    const tag = uniqueTag();
    const body = JSON.stringify({
      model: 'echo-1',
      user: tag,
      messages: [{ role: 'user', content: 'x'.repeat(2000) }],
    });
    const { response } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body,
      },
      { MAX_BODY_BYTES: '1000' },
    );
    await expectError(response, 413, 'request_too_large');
    expect(await received(tag)).toHaveLength(0);
  });

  it('answers 413 for a streamed body without content-length once it passes the limit', async () => {
    const chunk = new TextEncoder().encode(`{"model":"echo-1","pad":"${'x'.repeat(600)}`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const request = new Request('https://proxy.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body,
    });
    const { response } = await send(request, undefined, { MAX_BODY_BYTES: '1000' });
    await expectError(response, 413, 'request_too_large');
  });
});

describe('upstream failures', () => {
  it.each([400, 429, 500, 503])(
    'passes an upstream %i through with its body and retry headers',
    async (status) => {
      const tag = uniqueTag();
      const { response } = await post('/v1/chat/completions', {
        model: 'echo-1',
        messages: [],
        x_mock: { scenario: 'status', status, tag },
      });
      expect(response.status).toBe(status);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.message).toBeTruthy();
      if (status === 429) {
        expect(response.headers.get('retry-after')).toBe('1');
        expect(response.headers.get('retry-after-ms')).toBe('20');
        expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
        expect(body.error.code).toBe('rate_limit_exceeded');
      }
      expect(await received(tag)).toHaveLength(1);
    },
  );

  it('wraps a non-JSON upstream error page in OpenAI shape, keeping the status', async () => {
    const { response } = await post('/v1/chat/completions', {
      model: 'echo-1',
      x_mock: { scenario: 'status', status: 502, body: '<html>Bad gateway</html>' },
    });
    const body = await expectError(response, 502, 'upstream_error');
    expect(body.error.type).toBe('server_error');
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const { response } = await send(
      '/v1/models',
      { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
      { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
    );
    const body = await expectError(response, 502, 'upstream_unreachable');
    expect(body.error.message).not.toContain('127.0.0.1');
  });

  it('answers 504 when upstream headers do not arrive within UPSTREAM_TIMEOUT_MS', async () => {
    const { response } = await send(
      '/v1/chat/completions',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'echo-1',
          messages: [],
          x_mock: { scenario: 'headers-delay', delayMs: 2000 },
        }),
      },
      { UPSTREAM_TIMEOUT_MS: '200' },
    );
    await expectError(response, 504, 'upstream_timeout');
  });

  it('names a malformed setting without printing secrets', async () => {
    const { response } = await send(
      '/v1/models',
      {},
      { MAX_BODY_BYTES: 'lots', OPENAI_API_KEY: 'sk-secret-value-xyz' },
    );
    const body = await expectError(response, 500, 'proxy_misconfigured');
    expect(body.error.message).toContain('MAX_BODY_BYTES');
    expect(JSON.stringify(body)).not.toContain('sk-secret-value-xyz');
  });
});
