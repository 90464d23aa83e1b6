// The README's run command, as a new user runs it: `npm run dev` with no API key streams offline.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dev: ChildProcess;
let output = '';

/** Starts scripts/dev.mjs offline on a free port with `env`; collects what it prints. */
async function startDev(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  let text = '';
  // OFFLINE=1: a developer's own .dev.vars must not send this test to a real provider.
  const child = spawn(process.execPath, ['scripts/dev.mjs'], {
    env: { ...process.env, OFFLINE: '1', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

async function stopDev(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const started = await startDev({});
  dev = started.child;
  const deadline = Date.now() + 50_000;
  while (!started.output().includes('Ctrl-C stops everything')) {
    if (Date.now() > deadline || dev.exitCode !== null)
      throw new Error(`npm run dev did not start:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  output = started.output();
}, 60_000);

afterAll(() => stopDev(dev));

describe('npm run dev (offline)', () => {
  it('prints the base URL, a development key, which upstream it uses and a curl line', () => {
    expect(output).toMatch(/OpenAI base URL\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(output).toContain('dev-key-local');
    expect(output).toMatch(/running against the bundled MOCK upstream at http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(output).toContain('PROXY_KEY=dev-key-local');
    expect(output).not.toContain('Your types might be out of date');
    expect(output).toMatch(/curl -N http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
  });

  it('streams the echo model word by word to the printed URL and key', async () => {
    const baseURL = /OpenAI base URL\s+(\S+)/.exec(output)![1]!;
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-key-local', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'echo-1',
        stream: true,
        messages: [{ role: 'user', content: 'hello there one two three four five six' }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-cache')).toBe('MISS');
    const arrivals: number[] = [];
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      arrivals.push(performance.now());
      text += decoder.decode(chunk, { stream: true });
    }
    const words = [...text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join('');
    expect(words).toBe('You said: hello there one two three four five six');
    // The mock waits between words: the answer arrives over time, not at once.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(50);
  });

  it('serves the playground with the development key filled in', async () => {
    const origin = /Playground\s+(\S+)/.exec(output)![1]!;
    const page = await fetch(origin);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>');
    expect(html).toContain('<meta name="dev-key" content="dev-key-local">');
  });
});

describe('npm run dev with a misconfigured variable', () => {
  it('prints the variable and the rule at once, without values', async () => {
    const { child, output: printed } = await startDev({ REQUESTS_PER_MINUTE: 'lots' });
    try {
      const deadline = Date.now() + 50_000;
      while (!printed().includes('REQUESTS_PER_MINUTE must be')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no config error printed:\n${printed()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(printed()).toMatch(
        /dev: Proxy misconfigured: REQUESTS_PER_MINUTE must be a non-negative integer/,
      );
      expect(printed()).not.toContain('openai-edge-proxy is running');
    } finally {
      await stopDev(child);
    }
  }, 60_000);
});
