// The README's run command, as a new user runs it: `npm run dev` with no API key streams offline.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dev: ChildProcess;
let output = '';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  // OFFLINE=1: a developer's own .dev.vars must not send this test to a real provider.
  dev = spawn(process.execPath, ['scripts/dev.mjs'], {
    env: { ...process.env, OFFLINE: '1', PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 50_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (Date.now() > deadline || dev.exitCode !== null)
      throw new Error(`npm run dev did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  if (dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    await exited;
  }
});

describe('npm run dev (offline)', () => {
  it('prints the base URL, a development key and a curl line', () => {
    expect(output).toMatch(/OpenAI base URL\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(output).toContain('dev-key-local');
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
        messages: [{ role: 'user', content: 'hello there' }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const arrivals: number[] = [];
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      arrivals.push(performance.now());
      text += decoder.decode(chunk, { stream: true });
    }
    const words = [...text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join('');
    expect(words).toBe('You said: hello there');
    // The mock waits between words: the answer arrives over time, not at once.
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(50);
  });

  it('serves the playground', async () => {
    const origin = /Playground\s+(\S+)/.exec(output)![1]!;
    const page = await fetch(origin);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>');
  });
});
