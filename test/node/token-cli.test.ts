// The mint CLI and the documented Node snippet produce tokens the proxy's verifier accepts.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyClientToken as verifyWithKey } from '../../src/access/client-token';
import { parseConfig } from '../../src/config/read';

const SECRET = 'node-test-token-secret-0123456789abcdef';
const CLI = resolve('scripts/token.mjs');
const EXAMPLE = resolve('examples/mint-token-node.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with a clean environment (TOKEN_SECRET only when given) in `cwd`. */
function run(script: string, args: string[], options: { secret?: string; cwd?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] };
  if (options.secret !== undefined) env['TOKEN_SECRET'] = options.secret;
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], { env, cwd: options.cwd }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs npm in this repository with TOKEN_SECRET set, stdout piped as `$(...)` pipes it. */
function npmRun(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, TOKEN_SECRET: SECRET };
  // vitest runs under npm too: its own npm_* settings (a loglevel among them) must not leak in.
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return new Promise((done) => {
    execFile('npm', args, { env }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Verifies with the key the proxy derives from TOKEN_SECRET, as a request would. */
async function verifyClientToken(token: string, secret: string, now: number) {
  return verifyWithKey(token, parseConfig({ TOKEN_SECRET: secret }).tokenVerifier!, now);
}

const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
const now = () => Math.floor(Date.now() / 1000);

let emptyDir: string;
beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'token-cli-'));
});
afterAll(() => rm(emptyDir, { recursive: true, force: true }));

describe('scripts/token.mjs', () => {
  it('prints a token for --sub alice --ttl 15m that verifies, expiring in 900 s', async () => {
    const result = await run(CLI, ['--sub', 'alice', '--ttl', '15m'], { secret: SECRET, cwd: emptyDir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const token = result.stdout.trim();
    const payload = payloadOf(token);
    expect(payload['sub']).toBe('alice');
    expect(Number(payload['exp']) - now()).toBeGreaterThan(895);
    expect(Number(payload['exp']) - now()).toBeLessThanOrEqual(900);
    expect(await verifyClientToken(token, SECRET, now())).toMatchObject({ sub: 'alice' });
  });

  it('writes every optional claim and they verify', async () => {
    const args = ['--sub', 'bob', '--ttl', '90s', '--origin', 'https://app.example.com'];
    args.push(
      '--models',
      'gpt-4o-mini,text-embedding-*',
      '--max-tokens',
      '512',
      '--rpm',
      '10',
      '--tpd',
      '20000',
    );
    const result = await run(CLI, args, { secret: SECRET, cwd: emptyDir });
    expect(result.code).toBe(0);
    expect(await verifyClientToken(result.stdout.trim(), SECRET, now())).toMatchObject({
      sub: 'bob',
      origin: ['https://app.example.com'],
      models: ['gpt-4o-mini', 'text-embedding-*'],
      maxTokens: 512,
      rpm: 10,
      tpd: 20_000,
    });
  });

  it('reads TOKEN_SECRET from .dev.vars in the current directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'token-cli-vars-'));
    await writeFile(join(dir, '.dev.vars'), `# local\nOPENAI_API_KEY=sk-x\nTOKEN_SECRET="${SECRET}"\n`);
    const result = await run(CLI, ['--sub', 'carol', '--ttl', '1h'], { cwd: dir });
    await rm(dir, { recursive: true, force: true });
    expect(result.code).toBe(0);
    expect(await verifyClientToken(result.stdout.trim(), SECRET, now())).toMatchObject({ sub: 'carol' });
  });

  it('exits 1 and says how to set TOKEN_SECRET when there is none', async () => {
    const result = await run(CLI, ['--sub', 'alice'], { cwd: emptyDir });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('TOKEN_SECRET');
    expect(result.stderr).toContain('.dev.vars');
  });

  it('prints its usage on stdout for --help, mints nothing and needs no secret', async () => {
    const result = await run(CLI, ['--help'], { cwd: emptyDir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm run -s token -- --sub <user id>/);
    for (const flag of ['--sub', '--ttl', '--origin', '--models', '--max-tokens', '--rpm', '--tpd']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('prints only the token on stdout under `npm run -s token`, as TOKEN=$(...) captures it', async () => {
    const result = await npmRun(['run', '-s', 'token', '--', '--sub', 'erin']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(await verifyClientToken(result.stdout.trim(), SECRET, now())).toMatchObject({ sub: 'erin' });
  });

  it('says on stderr how to capture the token alone when npm printed its own lines to stdout', async () => {
    const result = await npmRun(['run', 'token', '--', '--sub', 'erin']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('> openai-edge-proxy@');
    expect(result.stderr).toContain('npm run -s token -- ...');
  });

  it.each([
    ['no --sub', ['--ttl', '15m'], '--sub'],
    ['a ttl over 24h', ['--sub', 'a', '--ttl', '25h'], '--ttl'],
    ['a ttl in days', ['--sub', 'a', '--ttl', '2d'], '--ttl'],
    ['an origin with a path', ['--sub', 'a', '--origin', 'https://app.example.com/'], '--origin'],
    ['max-tokens of 0', ['--sub', 'a', '--max-tokens', '0'], '--max-tokens'],
    ['an unknown flag', ['--sub', 'a', '--admin'], 'admin'],
  ])('exits 1 for %s', async (_name, args, mention) => {
    const result = await run(CLI, args, { secret: SECRET, cwd: emptyDir });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(mention);
    expect(result.stderr).not.toContain(SECRET);
  });
});

describe('examples/mint-token-node.mjs', () => {
  it('prints a 15-minute token for --sub that verifies', async () => {
    const result = await run(EXAMPLE, ['--sub', 'dave'], { secret: SECRET, cwd: emptyDir });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(Number(payloadOf(token)['exp']) - now()).toBeGreaterThan(895);
    expect(await verifyClientToken(token, SECRET, now())).toMatchObject({ sub: 'dave' });
  });
});
