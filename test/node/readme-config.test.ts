// The configuration examples in docs/providers.md are real configurations: the wrangler.toml and
// the .dev.vars spellings parse to the same configuration, and it routes as the page says.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { readDevVars } from '../../scripts/dev-vars.mjs';
import { parseConfig, type Config } from '../../src/config/read';
import { upstreamUrl } from '../../src/routing/request';
import { resolveModel } from '../../src/routing/resolve';

const page = readFileSync('docs/providers.md', 'utf8');

/** The fenced block in `language` whose first line starts with `firstLine`. */
function block(language: string, firstLine: string): string {
  const fences = page.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'));
  const found = [...fences].map((match) => match[1] ?? '').find((text) => text.startsWith(firstLine));
  if (found === undefined)
    throw new Error(`docs/providers.md has no ${language} block starting "${firstLine}"`);
  return found;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'providers-doc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The .dev.vars block, read by the same reader `npm run dev` uses. */
function devVarsBlock(): Map<string, string> {
  const file = path.join(scratch, '.dev.vars');
  writeFileSync(file, block('ini', '# .dev.vars'));
  return readDevVars(file);
}

const devVars = devVarsBlock();
const json = new Set(['UPSTREAMS', 'MODEL_ALIASES']);
/** The secrets the .dev.vars block sets; `wrangler secret put` sets the same for the TOML one. */
const secrets = Object.fromEntries([...devVars].filter(([name]) => !json.has(name)));
const tomlVars = (parse(block('toml', '# wrangler.toml')) as { vars: Record<string, unknown> }).vars;
const fromToml = parseConfig({ ...tomlVars, ...secrets, PROXY_KEYS: 'k' });
const fromDevVars = parseConfig({ ...Object.fromEntries(devVars), PROXY_KEYS: 'k' });

/** What routing depends on, as plain data: the upstreams, and each alias's targets by name. */
function routing(config: Config) {
  return {
    upstreams: config.upstreams,
    aliases: [...config.aliases].map(([alias, targets]) => [
      alias,
      targets.map((target) => `${target.upstream.name}/${target.model}`),
    ]),
    fingerprint: config.routingFingerprint,
  };
}

describe('docs/providers.md: one configuration, two ways to write it', () => {
  it('the .dev.vars block holds one-line JSON and the three secrets on their own lines', () => {
    expect([...devVars.keys()]).toEqual([
      'UPSTREAMS',
      'MODEL_ALIASES',
      'OPENAI_API_KEY',
      'GROQ_API_KEY',
      'AZURE_OPENAI_KEY',
    ]);
    expect(JSON.parse(devVars.get('UPSTREAMS') ?? '')).toEqual(tomlVars['UPSTREAMS']);
    expect(JSON.parse(devVars.get('MODEL_ALIASES') ?? '')).toEqual(tomlVars['MODEL_ALIASES']);
  });

  it('parses to the same configuration from wrangler.toml [vars] and from .dev.vars', () => {
    expect(routing(fromDevVars)).toEqual(routing(fromToml));
    expect(fromToml.upstreams.map((upstream) => upstream.name)).toEqual(['openai', 'groq', 'azure', 'local']);
    expect(fromToml.upstreams.map((upstream) => upstream.apiKey)).toEqual([
      secrets['OPENAI_API_KEY'],
      secrets['GROQ_API_KEY'],
      secrets['AZURE_OPENAI_KEY'],
      undefined,
    ]);
    expect([...fromToml.aliases.keys()]).toEqual(['fast', 'chat']);
  });

  it('names the rule when the TOML is pasted into .dev.vars', () => {
    const pasted = block('toml', '# wrangler.toml')
      .split('\n')
      .find((line) => line.startsWith('UPSTREAMS'));
    const file = path.join(scratch, 'pasted.dev.vars');
    writeFileSync(file, `${pasted}\n`);
    expect(() => parseConfig(Object.fromEntries(readDevVars(file)))).toThrow('UPSTREAMS must be valid JSON.');
  });
});

describe('docs/providers.md: how a model is routed', () => {
  it.each([
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['groq/llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
    ['fast', 'groq', 'llama-3.1-8b-instant'],
    ['qwen2.5:7b', 'local', 'qwen2.5:7b'],
    ['meta-llama/llama-3.1-8b-instruct', 'local', 'meta-llama/llama-3.1-8b-instruct'],
    // A prefix reaches only what that upstream serves; otherwise the whole name is routed.
    ['azure/gpt-4o', 'local', 'azure/gpt-4o'],
  ])('routes %s to %s as %s', (model, upstream, served) => {
    for (const config of [fromToml, fromDevVars]) {
      const target = resolveModel(model, config)?.targets[0];
      expect({ upstream: target?.upstream.name, model: target?.model }).toEqual({ upstream, model: served });
    }
  });

  it('sends the "chat" alias to the Azure deployment first, then to OpenAI', () => {
    const targets = resolveModel('chat', fromDevVars)?.targets ?? [];
    expect(targets.map((target) => upstreamUrl(target, '/chat/completions'))).toEqual([
      'https://my-resource.openai.azure.com/openai/deployments/prod-4o-mini/chat/completions?api-version=2024-10-21',
      'https://api.openai.com/v1/chat/completions',
    ]);
  });
});
