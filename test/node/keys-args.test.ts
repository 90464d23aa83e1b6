// `npm run keys` flags onto the admin API's fields, as tables: what a create sends, what an update
// sends on top of the key as it is, and the mistakes refused before anything is sent.
import { describe, expect, it } from 'vitest';
import { keyBody, parseKeysArgs } from '../../scripts/keys-args.mjs';

const NOW = 1_800_000_000;
const values = (argv: string[]) => parseKeysArgs(argv).values;
const existing = {
  limits: { usd_per_month: 20, rpm: 60 },
  metadata: { team: 'ml', owner: 'alice' },
};

describe('keyBody', () => {
  it.each([
    [
      'every flag of a create',
      ['create', '--name', 'ci', '--models', 'gpt-4o-mini, text-embedding-*', '--usd-per-month', '20'],
      { name: 'ci', models: ['gpt-4o-mini', 'text-embedding-*'], limits: { usd_per_month: 20 } },
    ],
    [
      'every limit',
      ['create', '--name', 'x', '--rpm', '5', '--tpm', '1000', '--tpd', '0', '--max-parallel', '2'],
      { name: 'x', limits: { rpm: 5, tpm: 1000, tpd: 0, max_parallel: 2 } },
    ],
    [
      'dollars with cents',
      ['create', '--name', 'x', '--usd-per-day', '0.5', '--usd-total', '100'],
      { name: 'x', limits: { usd_per_day: 0.5, usd_total: 100 } },
    ],
    [
      'an expiry and metadata',
      ['create', '--name', 'x', '--expires-in', '12h', '--metadata', 'a=1', '--metadata', 'b=x=y'],
      { name: 'x', expires_at: NOW + 12 * 3600, metadata: { a: '1', b: 'x=y' } },
    ],
    [
      '"never" on a create: no expiry sent',
      ['create', '--name', 'x', '--expires-in', 'never'],
      { name: 'x' },
    ],
  ])('maps %s', (_name, argv, body) => {
    expect(keyBody(values(argv), undefined, NOW)).toEqual(body);
  });

  it.each([
    [
      'one limit, keeping the others',
      ['update', 'vk_x', '--rpm', '5'],
      { limits: { usd_per_month: 20, rpm: 5 } },
    ],
    [
      'metadata added, and k= removing one',
      ['update', 'vk_x', '--metadata', 'env=prod', '--metadata', 'owner='],
      { metadata: { team: 'ml', env: 'prod' } },
    ],
    ["'' models: back to the server's list", ['update', 'vk_x', '--models', ''], { models: null }],
    ['never: no expiry', ['update', 'vk_x', '--expires-in', 'never'], { expires_at: null }],
    ['2w', ['update', 'vk_x', '--expires-in', '2w'], { expires_at: NOW + 14 * 86_400 }],
    ['a new name only', ['update', 'vk_x', '--name', 'renamed'], { name: 'renamed' }],
  ])('updates %s', (_name, argv, body) => {
    expect(keyBody(values(argv), existing, NOW)).toEqual(body);
  });

  it.each([
    [['create', '--name', 'x', '--rpm', '1.5'], '--rpm must be a whole number'],
    [['create', '--name', 'x', '--usd-per-day', '$5'], '--usd-per-day must be an amount in dollars'],
    [['create', '--name', 'x', '--expires-in', '30'], '--expires-in must look like 30d'],
    [['create', '--name', 'x', '--metadata', 'team'], '--metadata takes key=value'],
    [['create', '--name', 'x', '--metadata', '=value'], '--metadata takes key=value'],
    [['create', '--name', 'x', '--models', ' , '], '--models is empty'],
  ])('refuses %j', (argv, message) => {
    expect(() => keyBody(values(argv), undefined, NOW)).toThrow(message);
  });
});

describe('parseKeysArgs', () => {
  it.each([
    [['create', '--name', 'x', 'extra'], 'unexpected "extra"'],
    [['list', 'vk_x'], 'unexpected "vk_x"'],
    [['rotate', 'vk_x', '--rpm', '5'], '--rpm is for create and update, not rotate'],
    [['create', '--name', 'x', '--grace-seconds', '5'], '--grace-seconds is for rotate, not create'],
    [[], 'name a command'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });

  it('takes the id, the URL and --json wherever they are', () => {
    const args = parseKeysArgs(['--json', 'get', '--url', 'https://proxy.example.com', 'vk_x']);
    expect(args).toMatchObject({ command: 'get', id: 'vk_x', url: 'https://proxy.example.com', json: true });
  });
});
