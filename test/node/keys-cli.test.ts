// `npm run keys` against the real Worker: a key created from the command line works with the
// openai SDK, is listed with its budget, disabled, rotated and deleted, and each step is what the
// SDK then sees. Mistakes (a flag, the admin key, a proxy that is not running) end in one line
// that says what to do, and nothing else reaches the terminal raw.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from './start-proxy';

const CLI = resolve('scripts/keys.mjs');
const ADMIN_KEY = 'keys-cli-admin-key-0123456789abcdef';
let proxy: RunningProxy;
let url = '';
let emptyDir = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in an empty directory (no .dev.vars) with ADMIN_KEY unless `env` says otherwise. */
function keys(args: string[], env: NodeJS.ProcessEnv = { ADMIN_KEY }, cwd = emptyDir): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env['PATH'], ...env }, cwd },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const at = () => ['--url', url];

const refusal = (apiKey: string) =>
  new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 }).chat.completions
    .create({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] })
    .then(
      () => undefined,
      (error: { status?: number; code?: string }) => ({ status: error.status, code: error.code }),
    );

beforeAll(async () => {
  proxy = await startProxy({
    ADMIN_KEY,
    MODEL_PRICES: JSON.stringify({ 'echo-1': { input: 2.5, output: 10 } }),
  });
  url = new URL(proxy.baseURL).origin;
  emptyDir = await mkdtemp(join(tmpdir(), 'keys-cli-'));
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await rm(emptyDir, { recursive: true, force: true });
});

describe('npm run keys, one key from creation to deletion', () => {
  let id = '';
  let secret = '';

  it('creates a key, printing its secret last and alone, and saying on stderr that it is shown once', async () => {
    const args = ['create', '--name', 'ci', '--usd-per-month', '20', '--models', 'echo-1', ...at()];
    const created = await keys([
      ...args,
      '--expires-in',
      '30d',
      '--metadata',
      'team=ci',
      '--metadata',
      'env=test',
    ]);
    expect(created.code).toBe(0);
    const lines = created.stdout.trimEnd().split('\n');
    secret = lines.at(-1) ?? '';
    id = /^(vk_\w+) {2}"ci" {2}active$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    expect(secret.startsWith(`${id}.`)).toBe(true);
    expect(created.stdout).toContain('  limits      $20/month\n');
    expect(created.stdout).toContain('  models      echo-1\n');
    expect(created.stderr).toMatch(/^keys: the secret of vk_\w+ is shown this once/);
    expect(created.stderr).not.toContain(secret);
    expect(await refusal(secret)).toBeUndefined();
    const shown = JSON.parse((await keys(['get', id, '--json', ...at()])).stdout);
    expect(shown).toMatchObject({ name: 'ci', models: ['echo-1'], limits: { usd_per_month: 20 } });
    expect(shown.metadata).toEqual({ team: 'ci', env: 'test' });
    expect(shown.expires_at - Date.now() / 1000).toBeGreaterThan(30 * 86_400 - 60);
    expect(JSON.stringify(shown)).not.toContain(secret);
  });

  it('lists it in a table with its spend against its budget', async () => {
    const listed = await keys(['list', ...at()]);
    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.split('\n');
    expect(header).toMatch(/^ID +NAME +STATUS +TODAY +MONTH +TOTAL +TOKENS TODAY +LAST USED$/);
    expect(row).toMatch(
      new RegExp(`^${id} +ci +active +\\$0\\S* +\\$0\\S*/\\$20 +\\$0\\S* +[\\d,]+ +\\d+s ago$`),
    );
    expect(listed.stdout).not.toContain(secret);
    const raw = JSON.parse((await keys(['list', '--json', ...at()])).stdout);
    expect(raw.object).toBe('list');
    expect(raw.data.map((key: { id: string }) => key.id)).toEqual([id]);
  });

  it('updates one limit and keeps the others', async () => {
    const updated = await keys(['update', id, '--rpm', '5', ...at()]);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('  limits      $20/month, 5 requests/min\n');
  });

  it('disables the key (the SDK gets 401 key_disabled) and enables it again', async () => {
    expect((await keys(['disable', id, ...at()])).stdout).toMatch(/^vk_\w+ {2}"ci" {2}disabled\n/);
    expect(await refusal(secret)).toEqual({ status: 401, code: 'key_disabled' });
    expect((await keys(['enable', id, ...at()])).stdout).toMatch(/^vk_\w+ {2}"ci" {2}active\n/);
    expect(await refusal(secret)).toBeUndefined();
  });

  it('rotates: with a grace the old secret still works, with none it is refused', async () => {
    const graced = await keys(['rotate', id, '--grace-seconds', '60', ...at()]);
    const second = graced.stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(second).not.toBe(secret);
    expect(await refusal(secret)).toBeUndefined();
    expect(await refusal(second)).toBeUndefined();
    const rotated = await keys(['rotate', id, ...at()]);
    const third = rotated.stdout.trimEnd().split('\n').at(-1) ?? '';
    await expect.poll(() => refusal(second), { timeout: 2000 }).toEqual({ status: 401, code: 'key_revoked' });
    expect(await refusal(secret)).toEqual({ status: 401, code: 'key_revoked' });
    expect(await refusal(third)).toBeUndefined();
    secret = third;
  });

  it('deletes it for good, and its audit trail stays', async () => {
    const deleted = await keys(['delete', id, ...at()]);
    expect(deleted.stdout).toBe(`Deleted ${id} for good: its clients now get 401 key_revoked.\n`);
    expect(await refusal(secret)).toEqual({ status: 401, code: 'key_revoked' });
    const gone = await keys(['get', id, ...at()]);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(/^keys: No key with id '.+'\. \(key_not_found, HTTP 404, param id\)\n$/);
    const events = (await keys(['events', id, ...at()])).stdout.split('\n').filter(Boolean);
    const types = events.map((line) => line.split(/ {2,}/)[1]);
    expect(types[0]).toBe('deleted');
    expect(types.at(-1)).toBe('created');
    for (const type of ['rotated', 'enabled', 'disabled', 'changed']) expect(types).toContain(type);
    expect(events.find((line) => line.includes('changed') && line.endsWith('limits'))).toBeDefined();
  });
});

describe('npm run keys, output and mistakes', () => {
  it('prints the secret alone as the last line of `npm run -s keys -- create`, as KEY=$(... | tail -1) takes it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ADMIN_KEY };
    // vitest runs under npm too: its own npm_* settings must not leak in.
    for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
    const secret = await new Promise<string>((done, fail) =>
      execFile(
        'sh',
        ['-c', `npm run -s keys -- create --name piped --url ${url} | tail -1`],
        { env },
        (error, stdout) => (error ? fail(error) : done(stdout.trim())),
      ),
    );
    expect(secret).toMatch(/^vk_\w+\.[\w-]+\.[\w-]+$/);
    expect(await refusal(secret)).toBeUndefined();
  });

  it('names a key with control or bidi characters safely in its table', async () => {
    await keys(['create', '--name', 'user:\u202Enimda', ...at()]);
    const listed = await keys(['list', ...at()]);
    expect(listed.stdout).toContain('user:[U+202E]nimda');
    expect(listed.stdout).not.toContain('\u202E');
  });

  it("answers the API's refusal with its message, code and field", async () => {
    const long = await keys(['create', '--name', 'x'.repeat(65), ...at()]);
    expect(long).toMatchObject({ code: 1, stdout: '' });
    expect(long.stderr).toMatch(/^keys: "name" must be .*\(invalid_value, HTTP 400, param name\)\n$/);
  });

  it.each([
    [
      'an amount that is not one',
      ['create', '--name', 'x', '--usd-per-day', 'lots'],
      '--usd-per-day must be',
    ],
    [
      'a duration it does not know',
      ['create', '--name', 'x', '--expires-in', '3y'],
      '--expires-in must look like',
    ],
    ['no --name', ['create'], 'create needs --name'],
    ['no id', ['disable'], 'disable needs a key id'],
    ['an unknown command', ['revoke', 'vk_x'], 'unknown command "revoke"'],
    ['a flag for another command', ['list', '--grace-seconds', '5'], '--grace-seconds is for rotate'],
    ['an unknown flag', ['list', '--all'], "Unknown option '--all'"],
  ])('refuses %s without asking the proxy', async (_name, args, message) => {
    const result = await keys([...args, ...at()]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(message);
  });

  it('says the proxy is not running when nothing listens at --url', async () => {
    const server = net.createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((done) => server.close(done));
    const result = await keys(['list', '--url', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `keys: the proxy is not running at http://127.0.0.1:${port} (connection refused): start it with \`npm run dev\`, or point --url at it.\n`,
    );
  });

  it('says which admin key was refused, and reads ADMIN_KEY from ./.dev.vars', async () => {
    const wrong = await keys(['list', ...at()], { ADMIN_KEY: 'not-the-admin-key' });
    expect(wrong.stderr).toMatch(/\(invalid_admin_key, HTTP 401\)\. Check ADMIN_KEY/);
    const dir = await mkdtemp(join(tmpdir(), 'keys-cli-vars-'));
    await writeFile(join(dir, '.dev.vars'), `OPENAI_API_KEY=sk-x\nADMIN_KEY="${ADMIN_KEY}"\n`);
    const fromFile = await keys(['list', ...at()], {}, dir);
    await rm(dir, { recursive: true, force: true });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^ID +NAME/);
  });

  it('never sends the admin key over plain http to another machine', async () => {
    const result = await keys(['list', '--url', 'http://proxy.example.com']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('--url must use https');
  });

  it('prints its usage for --help, naming every command and the options that map to limits', async () => {
    const help = await keys(['--help'], {});
    expect(help).toMatchObject({ code: 0, stderr: '' });
    for (const word of ['list', 'create', 'get', 'disable', 'enable', 'rotate', 'delete', 'events']) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${word}\\b`, 'm'));
    }
    for (const flag of ['--usd-per-month', '--usd-per-day', '--usd-total', '--tpd', '--tpm', '--rpm']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('--max-parallel');
    expect(help.stdout).toContain('--grace-seconds');
  });
});
