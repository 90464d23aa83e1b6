// A virtual key as the admin API reads and writes it: its stored record, the checks its input
// must pass (each refusal names the field), and the key object the API answers with.
import { toMicros } from '../lib/dollars';
import { badRequest } from '../errors';
import { isObject } from '../lib/json';
import { NO_LIMITS, type KeyLimits } from './limits';

/** The limit fields, as the API spells them, and where each lives in `KeyLimits`. */
const LIMIT_FIELDS = {
  rpm: 'rpm',
  tpm: 'tpm',
  tpd: 'tpd',
  usd_per_day: 'microsPerDay',
  usd_per_month: 'microsPerMonth',
  usd_total: 'microsTotal',
  max_parallel: 'maxParallel',
} as const satisfies Record<string, keyof KeyLimits>;
type LimitField = keyof typeof LIMIT_FIELDS;
const isLimitField = (name: string): name is LimitField => Object.hasOwn(LIMIT_FIELDS, name);
const isDollars = (field: LimitField) => field.startsWith('usd_');

export interface StoredKey {
  readonly id: string;
  readonly name: string;
  /** Allow-list patterns; `null` follows ALLOWED_MODELS. */
  readonly models: readonly string[] | null;
  readonly limits: KeyLimits;
  /** Unix seconds, or null for never. */
  readonly expiresAt: number | null;
  readonly disabled: boolean;
  readonly deleted: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

/** What an admin may set: on create (`name` required) and on change (any of them). */
export type KeyChanges = Partial<
  Pick<StoredKey, 'name' | 'models' | 'expiresAt' | 'disabled' | 'metadata'>
> & {
  /** Only the limits named; the others keep their value (0 removes one). */
  readonly limits?: Partial<KeyLimits>;
};

/** A key may be created disabled, to be enabled later. */
const FIELDS = ['name', 'models', 'limits', 'expires_at', 'metadata', 'disabled'];
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_METADATA = 16;

function name(value: unknown): string {
  // Counted in characters (code points), not UTF-16 units: 64 emoji are a 64-character name.
  if (
    typeof value !== 'string' ||
    value.trim().length === 0 ||
    [...value].length > 64 ||
    CONTROL.test(value)
  ) {
    throw badRequest('invalid_value', '"name" must be 1 to 64 printable characters.', 'name');
  }
  return value;
}

/** Allow-list patterns as elsewhere: exact ids, or a prefix ending in `*`; `*` nowhere else. */
function models(value: unknown): readonly string[] | null {
  if (value === null) return null;
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 100 &&
    value.every(
      (pattern) =>
        typeof pattern === 'string' &&
        pattern.length > 0 &&
        pattern.length <= 200 &&
        !CONTROL.test(pattern) &&
        !pattern.slice(0, -1).includes('*'),
    );
  if (!valid) {
    throw badRequest(
      'invalid_value',
      '"models" must be null or 1 to 100 model ids, each optionally ending in "*" to match a prefix ("*" nowhere else).',
      'models',
    );
  }
  return [...(value as string[])];
}

function limits(value: unknown): Partial<KeyLimits> {
  if (!isObject(value)) throw badRequest('invalid_type', '"limits" must be an object.', 'limits');
  const parsed: Partial<Record<keyof KeyLimits, number>> = {};
  for (const [field, amount] of Object.entries(value)) {
    if (!isLimitField(field))
      throw badRequest(
        'unknown_parameter',
        `Unknown limit "${field.slice(0, 64)}".`,
        `limits.${field.slice(0, 64)}`,
      );
    const valid =
      typeof amount === 'number' &&
      Number.isFinite(amount) &&
      amount >= 0 &&
      (isDollars(field) ? amount <= 1e9 : Number.isSafeInteger(amount));
    if (!valid) {
      const expected = isDollars(field) ? 'a non-negative number of US dollars' : 'a non-negative integer';
      throw badRequest('invalid_value', `"limits.${field}" must be ${expected}.`, `limits.${field}`);
    }
    parsed[LIMIT_FIELDS[field]] = isDollars(field) ? toMicros(amount) : amount;
  }
  return parsed;
}

function expiresAt(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw badRequest('invalid_value', '"expires_at" must be unix seconds, or null for never.', 'expires_at');
  }
  return value;
}

function metadata(value: unknown): Record<string, string> {
  const entries = isObject(value) ? Object.entries(value) : undefined;
  const valid =
    entries !== undefined &&
    entries.length <= MAX_METADATA &&
    entries.every(
      ([key, item]) => key.length > 0 && key.length <= 64 && typeof item === 'string' && item.length <= 512,
    );
  if (!valid) {
    throw badRequest(
      'invalid_value',
      `"metadata" must hold at most ${MAX_METADATA} string values under keys of 1 to 64 characters.`,
      'metadata',
    );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** An admin's JSON body, checked field by field; `creating` requires a name. */
export function parseKeyChanges(body: unknown, creating: boolean): KeyChanges {
  if (!isObject(body)) throw badRequest('invalid_json', 'The body must be a JSON object.');
  const unknown = Object.keys(body).find((field) => !FIELDS.includes(field));
  if (unknown !== undefined)
    throw badRequest('unknown_parameter', `Unknown field "${unknown.slice(0, 64)}".`, unknown.slice(0, 64));
  if (creating && body['name'] === undefined)
    throw badRequest('missing_required_parameter', 'Missing required field: name.', 'name');
  if (body['disabled'] !== undefined && typeof body['disabled'] !== 'boolean') {
    throw badRequest('invalid_type', '"disabled" must be true or false.', 'disabled');
  }
  return {
    ...(body['name'] !== undefined ? { name: name(body['name']) } : {}),
    ...(body['models'] !== undefined ? { models: models(body['models']) } : {}),
    ...(body['limits'] !== undefined ? { limits: limits(body['limits']) } : {}),
    ...(body['expires_at'] !== undefined ? { expiresAt: expiresAt(body['expires_at']) } : {}),
    ...(body['metadata'] !== undefined ? { metadata: metadata(body['metadata']) } : {}),
    ...(typeof body['disabled'] === 'boolean' ? { disabled: body['disabled'] } : {}),
  };
}

/** The record with `changes` applied; limits are changed one by one. */
export function applyChanges(record: StoredKey, changes: KeyChanges): StoredKey {
  const { limits: limitChanges, ...rest } = changes;
  return { ...record, ...rest, limits: { ...record.limits, ...limitChanges } };
}

/** A new record: no limits, nothing expires, nothing disabled unless the changes say so. */
export function newRecord(id: string, changes: KeyChanges, nowSeconds: number): StoredKey {
  const base: StoredKey = {
    id,
    name: '',
    models: null,
    limits: NO_LIMITS,
    expiresAt: null,
    disabled: false,
    deleted: false,
    metadata: {},
    createdAt: nowSeconds,
  };
  return applyChanges(base, changes);
}

/** The fields whose values differ, by their API names, for the audit trail (`disabled` aside). */
export function changedFields(before: StoredKey, after: StoredKey): string[] {
  const fields = {
    name: 'name',
    models: 'models',
    limits: 'limits',
    expiresAt: 'expires_at',
    metadata: 'metadata',
  };
  return Object.entries(fields)
    .filter(([field]) => {
      const held = field as keyof typeof fields;
      return JSON.stringify(before[held]) !== JSON.stringify(after[held]);
    })
    .map(([, apiName]) => apiName);
}

export interface Spend {
  readonly usd_today: number;
  readonly usd_month: number;
  readonly usd_total: number;
  readonly tokens_today: number;
}

/** The key object the API answers with. Never a secret or its hash. */
export function keyObject(
  record: StoredKey,
  extra: { readonly lastUsedAt: number | null; readonly spend: Spend },
) {
  const limitsOut = Object.fromEntries(
    Object.entries(LIMIT_FIELDS)
      .map(([field, held]) => [field, record.limits[held]] as const)
      .filter(([, amount]) => amount > 0)
      .map(([field, amount]) => [field, isDollars(field as LimitField) ? amount / 1_000_000 : amount]),
  );
  return {
    id: record.id,
    object: 'key' as const,
    name: record.name,
    models: record.models,
    limits: limitsOut,
    expires_at: record.expiresAt,
    disabled: record.disabled,
    metadata: record.metadata,
    created_at: record.createdAt,
    last_used_at: extra.lastUsedAt,
    spend: extra.spend,
  };
}
