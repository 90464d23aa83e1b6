// The README's run command, as a new user runs it: `npm run dev` with no API key streams offline,
// with a virtual key already made (once: a restart on the same state names the same key); with a
// .dev.vars it runs what that configures, and follows it when it is saved again.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/dev-port.mjs';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.mjs';

interface Dev {
  child: ChildProcess;
  output: () => string;
}

let dev: Dev;
let output = '';
let port = 0;
/** wrangler's state for the offline dev server (keys, ledger): fresh, so its first start makes the key. */
let state = '';
const DEV_ADMIN_KEY = 'dev-admin-key-for-local-use-only-0123456789';
/** The first start shows the new key's secret (`vk_<id>.<secret>.<tag>`); a later one its id. */
const NEW_KEY_LINE = /Virtual key {6}((vk_[a-z2-7]+)\.\S+) {3}\(made at start, /;
const EARLIER_KEY_LINE = /Virtual key {6}(vk_[a-z2-7]+) {3}\(its id; the secret was shown when it was made/;

/**
 * Starts scripts/dev.mjs in `cwd` with `env` and `args`; collects what it prints. OFFLINE=1 unless
 * the test says otherwise: a developer's own .dev.vars must not send a test to a real provider.
 */
function startDev(env: Record<string, string>, args: string[] = [], cwd = process.cwd()): Dev {
  let text = '';
  const child = spawn(process.execPath, [join(cwd, 'scripts/dev.mjs'), ...args], {
    cwd,
    env: { ...process.env, OFFLINE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Waits until dev has printed `text` (a count of times); throws with its output if it does not. */
async function waitFor({ child, output: printed }: Dev, text: string, times = 1): Promise<void> {
  const deadline = Date.now() + 50_000;
  while (printed().split(text).length - 1 < times) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`npm run dev did not print "${text}":\n${printed()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopDev(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  port = await freePort();
  state = await mkdtemp(join(tmpdir(), 'dev-state-'));
  dev = startDev({}, ['--port', String(port), '--persist-to', state]);
  await waitFor(dev, 'Ctrl-C stops everything');
  output = dev.output();
}, 60_000);

afterAll(async () => {
  await stopDev(dev.child);
  await rm(state, { recursive: true, force: true });
});

/** The keys the admin API of `origin` lists, with the development admin key. */
async function listedKeys(origin: string): Promise<Array<{ id: string; name: string }>> {
  const response = await fetch(`${origin}/admin/api/keys`, {
    headers: { authorization: `Bearer ${DEV_ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ id: string; name: string }> }).data;
}

describe('npm run dev (offline)', () => {
  it('serves on the port given with --port and prints the base URL, a key, the upstream and a curl line', () => {
    expect(output).toContain(`OpenAI base URL  http://127.0.0.1:${port}/v1`);
    expect(output).toContain('dev-key-local');
    expect(output).toMatch(/running against the bundled MOCK upstream at http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(output).toContain('PROXY_KEY=dev-key-local');
    expect(output).not.toContain('Your types might be out of date');
    expect(output).toMatch(/curl -N http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
    // `npm run keys` defaults to 8787: on another port the banner's line says where.
    expect(output).toContain(`--models echo-1 --url http://127.0.0.1:${port}`);
  });

  it("is quiet offline: no Request.cf fetch, telemetry notice, update check or its own health checks' log", () => {
    expect(output).not.toContain('Request.cf');
    expect(output).not.toContain('ENOTFOUND');
    expect(output).not.toContain('telemetry');
    expect(output).not.toContain('update available');
    expect(output).not.toContain('GET /healthz');
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

  it('starts with a virtual key named "dev", names it in the banner, and the admin API lists it', async () => {
    const [, secret, id] = NEW_KEY_LINE.exec(output) ?? [];
    const keys = await listedKeys(`http://127.0.0.1:${port}`);
    expect(keys.map(({ id, name }) => ({ id, name }))).toEqual([{ id, name: 'dev' }]);
    // The banner's key is one a client can use as it is.
    const used = await fetch(`http://127.0.0.1:${port}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(used.status).toBe(200);
    await used.text();
    // dev's own requests to the admin API are not in the log it shows.
    expect(output).not.toContain('/admin/api/keys');
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

describe('npm run dev restarted on the same state', () => {
  it('names the same virtual key again and makes no second one', async () => {
    const first = NEW_KEY_LINE.exec(output)?.[2];
    await stopDev(dev.child);
    const again = await freePort();
    const restarted = startDev({}, ['--port', String(again), '--persist-to', state]);
    try {
      await waitFor(restarted, 'Ctrl-C stops everything');
      expect(EARLIER_KEY_LINE.exec(restarted.output())?.[1]).toBe(first);
      const keys = await listedKeys(`http://127.0.0.1:${again}`);
      expect(keys.filter((key) => key.name === 'dev')).toHaveLength(1);
    } finally {
      await stopDev(restarted.child);
    }
  }, 60_000);
});

describe('npm run dev with a misconfigured variable', () => {
  it('prints the variable and the rule at once, without values, and where to fix it', async () => {
    const started = startDev({ REQUESTS_PER_MINUTE: 'lots', PORT: String(await freePort()) });
    try {
      await waitFor(started, 'REQUESTS_PER_MINUTE must be');
      expect(started.output()).toMatch(
        /dev: Proxy misconfigured: REQUESTS_PER_MINUTE must be a non-negative integer/,
      );
      expect(started.output()).toContain('REQUESTS_PER_MINUTE comes from your shell');
      expect(started.output()).not.toContain('openai-edge-proxy is running');
      const own = started
        .output()
        .split('\n')
        .filter((line) => line.startsWith('dev:'));
      expect(own.join('\n')).not.toContain('lots');
    } finally {
      await stopDev(started.child);
    }
  }, 60_000);
});

describe('npm run dev arguments', () => {
  it('refuses a port that is taken in one line, without starting wrangler', async () => {
    const taken = net.createServer();
    const busy = await freePort();
    await new Promise<void>((resolve) => taken.listen(busy, '127.0.0.1', resolve));
    try {
      const started = startDev({}, ['--port', String(busy)]);
      const code = await new Promise((resolve) => started.child.once('exit', resolve));
      expect(code).toBe(1);
      expect(started.output()).toBe(
        `dev: port ${busy} (--port) is already in use on 127.0.0.1, perhaps by another npm run dev; stop that, or choose another port with --port N.\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('prints its usage for --help, naming --port and PORT', async () => {
    const started = startDev({}, ['--help']);
    const code = await new Promise((resolve) => started.child.once('exit', resolve));
    expect(code).toBe(0);
    expect(started.output()).toMatch(/^Usage: npm run dev/);
    expect(started.output()).toContain('--port N');
    expect(started.output()).toContain('PORT=N');
  });
});

describe('npm run dev with a .dev.vars (in a copy of the project)', () => {
  let project: string;
  let upstream: MockUpstream;
  let started: Dev;
  let types = '';

  const devVars = (rpm: string, baseUrl = upstream.url) =>
    [
      `UPSTREAMS='${JSON.stringify([{ name: 'primary', baseUrl, keyVar: 'PRIMARY_KEY', models: ['echo-*'] }])}'`,
      `MODEL_ALIASES='{"fast":["primary/echo-1"]}'`,
      'PRIMARY_KEY=sk-dev-vars-test-0123456789',
      'EXTRA_LOCAL_NAME=not-in-wrangler-toml',
      `REQUESTS_PER_MINUTE=${rpm}`,
      '',
    ].join('\n');

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'dev-vars-'));
    for (const path of ['src', 'public', 'scripts', 'test/mock-upstream']) {
      await cp(resolve(path), join(project, path), { recursive: true });
    }
    for (const file of ['wrangler.toml', 'worker-configuration.d.ts', 'package.json', 'tsconfig.json']) {
      await cp(resolve(file), join(project, file));
    }
    await symlink(resolve('node_modules'), join(project, 'node_modules'), 'dir');
    types = await readFile(join(project, 'worker-configuration.d.ts'), 'utf8');
    upstream = await startMockUpstream({ apiKey: 'sk-dev-vars-test-0123456789' });
    await writeFile(join(project, '.dev.vars'), devVars('lots'));
    // No OFFLINE: the point is that .dev.vars decides.
    started = startDev({ OFFLINE: '' }, ['--port', String(await freePort())], project);
  });

  afterAll(async () => {
    await stopDev(started.child);
    await upstream.close();
    await rm(project, { recursive: true, force: true });
  });

  it('restarts with .dev.vars when it is saved, then lists the configured upstreams and no mock', async () => {
    await waitFor(started, 'REQUESTS_PER_MINUTE must be');
    expect(started.output()).toContain('fix it in .dev.vars (saving it restarts the Worker)');
    await writeFile(join(project, '.dev.vars'), devVars('100'));
    await waitFor(started, 'Ctrl-C stops everything');
    const printed = started.output();
    expect(printed).toContain('dev: .dev.vars changed; restarting the Worker with it.');
    expect(printed).toMatch(
      /running against the upstreams in UPSTREAMS:\n {2}primary {2}http:\/\/127\.0\.0\.1:\d+\/v1 {2}key from PRIMARY_KEY\n/,
    );
    expect(printed).toContain('Model aliases (MODEL_ALIASES): fast');
    expect(printed).not.toContain('MOCK');
    // dev's own health checks are not in wrangler's request log.
    expect(printed).not.toContain('GET /healthz');
    expect(printed).not.toContain('GET /v1/models');

    const baseURL = /OpenAI base URL\s+(\S+)/.exec(printed)![1]!;
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-key-local', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('primary');
    expect(upstream.requests.at(-1)?.headers['authorization']).toBe('Bearer sk-dev-vars-test-0123456789');
  }, 120_000);

  it('leaves worker-configuration.d.ts as committed, and says nothing about types', async () => {
    expect(await readFile(join(project, 'worker-configuration.d.ts'), 'utf8')).toBe(types);
    expect(started.output()).not.toMatch(/types (looked|might be) out of date/);
  });

  it('says in one line when the upstream cannot be reached', async () => {
    const banners = started.output().split('Ctrl-C stops everything').length - 1;
    // Port 9 (discard) refuses connections here.
    await writeFile(join(project, '.dev.vars'), devVars('100', 'http://127.0.0.1:9/v1'));
    await waitFor(started, 'Ctrl-C stops everything', banners + 1);
    const baseURL = /OpenAI base URL\s+(\S+)/.exec(started.output())![1]!;
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-key-local', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(502);
    await response.text();
    await waitFor(started, 'dev: the upstream could not be reached');
    expect(started.output()).not.toMatch(/^\s*stack: .*workerd@/m);
  });
});
