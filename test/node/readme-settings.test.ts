// The README is what a user reads in the first hour, so it must be complete where it is a
// reference: every setting and binding the Worker reads has a row in its configuration table,
// every route a row in its routes table. Its links (and those of docs/) resolve, and it stays short.
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/routes';

const README = 'README.md';
const readme = readFileSync(README, 'utf8');
const MAX_WORDS = 3200;

/** Every TypeScript file under `root`, as paths that include `root`. */
function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(root, file));
}

const NAME = /'([A-Z][A-Z0-9_]*)'/g;
/** A reader called with the environment and a literal name: `integer(env, 'CACHE_TTL', 3600)`. */
const READER_CALL = /\b\w+\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g;
/** A group of names read together: `group(env, ['JWKS_URL', 'TOKEN_ISSUER', 'TOKEN_AUDIENCE'])`. */
const GROUP_CALL = /\b\w+\(\s*env\s*,\s*\[([^\]]*)\]/g;
/** A binding or variable read directly: `env.USAGE_QUEUE`, `context.env.CACHE`, `env['NAME']`. */
const DIRECT_READ = /\benv(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g;

/** The names of the settings and bindings the Worker's source under `root` reads. */
function namesReadIn(root: string): string[] {
  const names = new Set<string>();
  for (const file of sourceFiles(root)) {
    const source = readFileSync(file, 'utf8');
    for (const [, name] of source.matchAll(READER_CALL)) names.add(name!);
    for (const [, list] of source.matchAll(GROUP_CALL)) {
      for (const [, name] of list!.matchAll(NAME)) names.add(name!);
    }
    for (const [, dotted, bracketed] of source.matchAll(DIRECT_READ)) names.add((dotted ?? bracketed)!);
  }
  return [...names].sort();
}

/** The text of a `## heading` section, up to the next `## ` heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** The first cell of every table row in `text`, header and separator rows left out. */
function firstCells(text: string): string[] {
  const rows = text.split('\n').filter((line) => line.trimStart().startsWith('|'));
  return rows
    .map((row) => row.split('|')[1]?.trim() ?? '')
    .filter((cell) => !/^-+$/.test(cell) && cell !== 'setting' && cell !== 'route');
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The names the configuration table has a row for (a name in prose elsewhere does not count). */
function tableNames(markdown: string): Set<string> {
  const cells = firstCells(section(markdown, 'Configuration'));
  return new Set(
    cells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!)),
  );
}

/** Names read in `root` that have no row in the configuration table. */
function undocumented(root: string, markdown: string): string[] {
  const documented = tableNames(markdown);
  return namesReadIn(root).filter((name) => !documented.has(name));
}

describe('README configuration table', () => {
  const found = namesReadIn('src');

  it('the scan finds the settings the Worker is known to read', () => {
    // If this fails, the readers changed shape and the scan below no longer sees them.
    expect(found).toEqual(
      expect.arrayContaining([
        ...['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'UPSTREAMS', 'MODEL_ALIASES', 'UPSTREAM_TIMEOUT_MS'],
        ...[
          'UPSTREAM_COOLDOWN_SECONDS',
          'PROXY_KEYS',
          'ALLOW_ANONYMOUS',
          'ALLOWED_ORIGINS',
          'ALLOWED_MODELS',
        ],
        ...['TOKEN_SECRET', 'JWKS_URL', 'TOKEN_ISSUER', 'TOKEN_AUDIENCE', 'JWKS_COOLDOWN_SECONDS'],
        ...['ACCESS_TEAM_DOMAIN', 'ACCESS_AUD', 'ADMIN_KEY', 'REQUESTS_PER_MINUTE', 'TOKENS_PER_DAY'],
        ...['DOLLARS_PER_DAY', 'MAX_TOKENS', 'MODEL_PRICES', 'MAX_BODY_BYTES', 'CACHE_TTL', 'CACHE_SCOPE'],
        ...['STREAM_RELAY', 'STREAM_IDLE_TIMEOUT_MS', 'STREAM_MAX_DURATION_MS', 'USAGE_LEDGER'],
        ...[
          'USAGE_RETENTION_DAYS',
          'USAGE_FLUSH_MS',
          'PLAYGROUND',
          'PLAYGROUND_DEV_KEY',
          'DASHBOARD_DEV_KEY',
        ],
        ...['CACHE', 'QUOTA', 'USAGE_QUEUE', 'USAGE_DB', 'ASSETS'],
      ]),
    );
  });

  it('has a row for every setting and binding the Worker reads', () => {
    expect(undocumented('src', readme)).toEqual([]);
  });

  describe('with a setting added to a scratch copy of src', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'readme-settings-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    cpSync('src', scratch, { recursive: true });
    appendFileSync(
      path.join(scratch, 'config', 'read.ts'),
      "\nexport const newThing = (env: RawEnv) => integer(env, 'NEW_THING', 0);\n",
    );

    it('reports the new setting until the table has a row for it', () => {
      /** What the scratch copy adds to what src itself leaves undocumented. */
      const added = (markdown: string) => {
        const before = new Set(undocumented('src', markdown));
        return undocumented(scratch, markdown).filter((name) => !before.has(name));
      };
      expect(added(readme)).toEqual(['NEW_THING']);
      expect(added(`${readme}\nSet \`NEW_THING\` in prose: not a row.\n`)).toEqual(['NEW_THING']);
      const row = '| `NEW_THING` | `0` | a new limit |\n';
      expect(added(readme.replace('| **Upstreams** ', `${row}| **Upstreams** `))).toEqual([]);
    });
  });
});

describe('README routes table', () => {
  const rows = firstCells(section(readme, 'Routes'));
  /** The row that names `route` (in backquotes, as the table writes routes), if any. */
  const rowFor = (route: string) => rows.find((cell) => new RegExp(`[\` ]${escape(route)}\``).test(cell));
  /** The pages, the admin API and /healthz, registered in src/index.ts outside the route table. */
  const index = readFileSync('src/index.ts', 'utf8');
  const asRow = (pattern: string) => pattern.replace(/:(\w+)/g, '{$1}');
  const ownerRoutes = [
    ...[...index.matchAll(/router\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)].map((match) => ({
      method: match[1]!.toUpperCase(),
      path: asRow(match[2]!),
    })),
    ...[...index.matchAll(/===\s*'(\/[a-z/]*)'/g)].map((match) => ({ method: 'GET', path: match[1]! })),
    // The admin API's table: ['GET', '/admin/api/usage', handler].
    ...[...index.matchAll(/\[\s*'(GET|POST|PUT|PATCH|DELETE)',\s*'(\/[^']+)'/g)].map((match) => ({
      method: match[1]!,
      path: asRow(match[2]!),
    })),
  ];

  it.each(ROUTES.map((route) => [route.method, asRow(route.pattern)]))(
    'has a row for %s %s',
    (method, pattern) => {
      expect(rowFor(pattern)).toContain(method);
    },
  );

  it('finds the pages, the admin API and /healthz in src/index.ts', () => {
    expect(ownerRoutes.map((route) => route.path)).toEqual(
      expect.arrayContaining(['/', '/admin', '/admin/api/usage', '/assets/*', '/healthz']),
    );
  });

  it.each(ownerRoutes.map((route) => [route.method, route.path]))('has a row for %s %s', (method, route) => {
    expect(rowFor(route)).toContain(method);
  });
});

const DOCS = readdirSync('docs')
  .filter((file) => file.endsWith('.md'))
  .map((file) => path.join('docs', file));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((heading) => slug(heading.replace(/^#+ /, ''))));
}

/** Relative links and images in a markdown file that do not resolve: a missing file or anchor. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return targets
    .filter((target) => !/^[a-z]+:/.test(target))
    .filter((target) => {
      const [relative = '', anchor] = target.split('#');
      const resolved = relative === '' ? file : path.join(path.dirname(file), relative);
      if (!existsSync(resolved)) return true;
      return anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor);
    });
}

describe('README and docs/', () => {
  it(`README.md is at most ${MAX_WORDS} words, as wc -w counts them`, () => {
    expect(readme.split(/\s+/).filter((word) => word !== '').length).toBeLessThanOrEqual(MAX_WORDS);
  });

  it('every docs/*.md link in the README names a page that exists', () => {
    const pages = [...readme.matchAll(/\]\((docs\/[^)#\s]+\.md)/g)].map((match) => match[1]!);
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(existsSync(page), page).toBe(true);
  });

  it.each([README, ...DOCS])('every relative link in %s resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it.each(DOCS)('%s opens with a title, a one-line summary and a link back to the README', (file) => {
    const [title = '', blank, ...summary] = readFileSync(file, 'utf8').split('\n');
    expect(title).toMatch(/^# /);
    expect(blank).toBe('');
    expect(summary.slice(0, summary.indexOf('')).join(' ')).toContain('[README](../README.md)');
  });
});
