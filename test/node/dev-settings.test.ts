// What `npm run dev` runs against, decided from .dev.vars, wrangler.toml's [vars] and the shell.
import { describe, expect, it } from 'vitest';
import { decideDevSettings } from '../../scripts/dev-settings.mjs';

const UPSTREAMS = JSON.stringify([
  { name: 'openai', baseUrl: 'https://api.openai.com/v1', keyVar: 'OPENAI_API_KEY' },
  { name: 'local', baseUrl: 'http://127.0.0.1:11434/v1' },
]);
const ALIASES = JSON.stringify({ fast: ['local/llama3'], chat: ['openai/gpt-4o-mini'] });

const decide = (
  devVars: Record<string, string>,
  env: Record<string, string> = {},
  toml: Record<string, unknown> = {},
) => decideDevSettings(new Map(Object.entries(devVars)), toml, env);

describe('what npm run dev runs against', () => {
  it.each([
    ['no .dev.vars', {}, 'no OPENAI_API_KEY in .dev.vars'],
    [
      'the example key',
      { OPENAI_API_KEY: 'sk-your-provider-key' },
      '.dev.vars still has the example OPENAI_API_KEY',
    ],
  ])('runs the mock with %s', (_name, devVars, reason) => {
    const settings = decide(devVars);
    expect(settings).toMatchObject({ mode: 'mock', reason, adminKey: true });
    expect(settings.vars).toEqual(expect.arrayContaining(['ALLOWED_ORIGINS:*', 'PROXY_KEYS:dev-key-local']));
    // The mock's models are priced, so a dollar budget works offline.
    const prices = settings.vars.find((entry) => entry.startsWith('MODEL_PRICES:'));
    expect(JSON.parse(prices!.slice('MODEL_PRICES:'.length))).toHaveProperty('echo-1.output', 0.6);
  });

  it('uses the one real upstream with a key and no UPSTREAMS, and opens no CORS or dev secrets', () => {
    const settings = decide({ OPENAI_API_KEY: 'sk-real', OPENAI_BASE_URL: 'https://api.groq.com/openai/v1' });
    expect(settings).toMatchObject({
      mode: 'single',
      baseUrl: 'https://api.groq.com/openai/v1',
      adminKey: false,
    });
    expect(settings.vars.join(' ')).not.toMatch(/ALLOWED_ORIGINS|TOKEN_SECRET|ADMIN_KEY|UPSTREAMS/);
  });

  it("keeps the owner's ALLOWED_ORIGINS offline, and opens CORS to any origin without one", () => {
    const own = decide({ ALLOWED_ORIGINS: 'http://127.0.0.1:8080' }).vars;
    expect(own).not.toContain('ALLOWED_ORIGINS:*');
    expect(decide({}).vars).toContain('ALLOWED_ORIGINS:*');
  });

  it("keeps the owner's MODEL_PRICES offline", () => {
    const settings = decide({ MODEL_PRICES: '{"echo-1":{"input":1,"output":2}}' });
    expect(settings.vars.join(' ')).not.toContain('MODEL_PRICES');
  });

  it('uses UPSTREAMS from .dev.vars even without OPENAI_API_KEY, listing names, URLs, key names and aliases', () => {
    const settings = decide({ UPSTREAMS, MODEL_ALIASES: ALIASES, PROXY_KEYS: 'k1 rpm=5, k2' });
    expect(settings.mode).toBe('upstreams');
    expect(settings.upstreams).toEqual([
      { name: 'openai', baseUrl: 'https://api.openai.com/v1', keyVar: 'OPENAI_API_KEY' },
      { name: 'local', baseUrl: 'http://127.0.0.1:11434/v1', keyVar: undefined },
    ]);
    expect(settings.aliases).toEqual(['fast', 'chat']);
    expect(settings.ownKeys).toEqual(['k1', 'k2']);
    expect(settings.vars).toEqual(['PLAYGROUND:true', 'PLAYGROUND_DEV_KEY:k1']);
  });

  it('reads UPSTREAMS from wrangler.toml [vars] as a TOML array, and lets an empty .dev.vars value unset it', () => {
    const toml = { UPSTREAMS: JSON.parse(UPSTREAMS) };
    expect(decide({}, {}, toml)).toMatchObject({
      mode: 'upstreams',
      upstreams: [{ name: 'openai' }, { name: 'local' }],
    });
    expect(decide({ UPSTREAMS: '' }, {}, toml).mode).toBe('mock');
  });

  it('does not start the mock for an UPSTREAMS that does not parse: the Worker names the rule', () => {
    expect(decide({ UPSTREAMS: '[{"name":' }).mode).toBe('upstreams');
  });

  it('runs the mock for OFFLINE=1 and sets the configured upstreams, aliases and key aside', () => {
    const settings = decide(
      { UPSTREAMS, MODEL_ALIASES: ALIASES, OPENAI_API_KEY: 'sk-real' },
      { OFFLINE: '1' },
    );
    expect(settings).toMatchObject({ mode: 'mock', reason: 'OFFLINE=1', aliases: [] });
    expect(settings.vars).toEqual(
      expect.arrayContaining(['UPSTREAMS:', 'MODEL_ALIASES:', 'OPENAI_API_KEY:']),
    );
  });

  it('passes the allowed settings from the shell and no others', () => {
    const settings = decide({}, { ALLOW_ANONYMOUS: 'true', OPENAI_API_KEY: 'sk-shell', CACHE_TTL: '' });
    expect(settings.fromShell).toEqual(['ALLOW_ANONYMOUS']);
    expect(settings.vars).toContain('ALLOW_ANONYMOUS:true');
    expect(settings.vars.join(' ')).not.toContain('sk-shell');
  });
});
