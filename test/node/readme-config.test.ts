// The README's configuration examples are real configurations: they parse, and route as it says.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/read';
import { resolveModel } from '../../src/routing/resolve';

const readme = readFileSync('README.md', 'utf8');

describe('README "Several providers"', () => {
  const block = /```toml\n(# wrangler\.toml: JSON values[\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const vars = (parse(block) as { vars: Record<string, unknown> }).vars;
  const config = parseConfig({
    ...vars,
    OPENAI_API_KEY: 'sk-openai-example-0123456789',
    GROQ_API_KEY: 'gsk-groq-example-0123456789',
    AZURE_OPENAI_KEY: 'azure-example-0123456789',
    PROXY_KEYS: 'k',
  });

  it('parses as wrangler passes [vars] JSON values', () => {
    expect(config.upstreams.map((upstream) => upstream.name)).toEqual(['openai', 'groq', 'azure', 'local']);
    expect([...config.aliases.keys()]).toEqual(['fast', 'chat']);
  });

  it.each([
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['groq/llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
    ['fast', 'groq', 'llama-3.1-8b-instant'],
    ['qwen2.5:7b', 'local', 'qwen2.5:7b'],
    ['meta-llama/llama-3.1-8b-instruct', 'local', 'meta-llama/llama-3.1-8b-instruct'],
  ])('routes %s to %s as %s', (model, upstream, served) => {
    const target = resolveModel(model, config)?.targets[0];
    expect({ upstream: target?.upstream.name, model: target?.model }).toEqual({ upstream, model: served });
  });
});
