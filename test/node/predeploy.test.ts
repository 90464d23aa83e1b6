// `npm run deploy` refuses the placeholder resource ids that local development runs with.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/predeploy.mjs');
const DEPLOY = resolve('scripts/deploy.mjs');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'predeploy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runScript(SCRIPT, args);
}

function runScript(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/predeploy.mjs', () => {
  it("refuses this repository's wrangler.toml as committed and prints the command that creates the namespace", async () => {
    const result = await run(resolve('wrangler.toml'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npx wrangler kv namespace create CACHE');
  });

  it('names the D1 binding, not the binding of a table further down ([assets])', async () => {
    const result = await run(resolve('wrangler.toml'));
    expect(result.stderr).toMatch(/D1 database USAGE_DB still has the placeholder database_id/);
    expect(result.stderr).toContain('npx wrangler d1 create openai-edge-proxy-usage');
    expect(result.stderr).not.toContain('D1 database ASSETS');
  });

  it('reads a D1 database given as an inline table array', async () => {
    const path = join(dir, 'inline.toml');
    await writeFile(
      path,
      'name = "x"\nd1_databases = [{ binding = "LEDGER", database_name = "ledger", database_id = "00000000-0000-0000-0000-000000000000" }]\n',
    );
    const result = await run(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('D1 database LEDGER still has the placeholder database_id');
    expect(result.stderr).toContain('npx wrangler d1 create ledger');
  });

  it('prints its usage for --help and checks nothing', async () => {
    const result = await run('--help');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: node scripts\/predeploy\.mjs/);
  });

  it('lets a configuration with real ids through', async () => {
    const real = (await readFile('wrangler.toml', 'utf8'))
      .replace(/id = "0{32}"/, 'id = "0123456789abcdef0123456789abcdef"')
      .replace(/database_id = "[0-]+"/, 'database_id = "5f1e6a3c-1111-4222-8333-944455556666"');
    const path = join(dir, 'wrangler.toml');
    await writeFile(path, real);
    expect((await run(path)).code).toBe(0);
  });
});

describe('scripts/deploy.mjs (npm run deploy)', () => {
  it("prints its usage for --help, not wrangler's, and deploys nothing", async () => {
    const result = await runScript(DEPLOY, ['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm run deploy/);
    expect(result.stdout).toContain('npx wrangler deploy --help');
  });

  it('checks the file given with --config and stops before wrangler deploy', async () => {
    const path = join(dir, 'other.toml');
    await writeFile(
      path,
      'name = "x"\n[[kv_namespaces]]\nbinding = "OTHER"\nid = "00000000000000000000000000000000"\n',
    );
    const result = await runScript(DEPLOY, ['--config', path, '--dry-run']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npx wrangler kv namespace create OTHER');
    expect(result.stdout).not.toContain('wrangler');
  });
});
