// `npm run deploy` refuses the placeholder resource ids that local development runs with.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/predeploy.mjs');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'predeploy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(config: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [SCRIPT, config], (error, _stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });
}

describe('scripts/predeploy.mjs', () => {
  it("refuses this repository's wrangler.toml as committed and prints the command that creates the namespace", async () => {
    const result = await run(resolve('wrangler.toml'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npx wrangler kv namespace create CACHE');
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
