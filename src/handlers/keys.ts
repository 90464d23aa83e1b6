// The admin API for virtual keys: create, list, read, change, revoke, rotate, and the audit
// trail. ADMIN_KEY opens it. Each key's own object is written first (so the next request sees the
// change); the D1 directory, which the list and the page read, follows.
import type { IRequest } from 'itty-router';
import { checkAdmin } from '../access/admin';
import type { RequestContext } from '../context/context';
import { ProxyError, badRequest, logFailure } from '../errors';
import { readBytes } from '../http/body';
import { jsonResponse } from '../http/json-response';
import { scanJsonBody } from '../http/json-scan';
import { isObject } from '../lib/json';
import { keyEvents, listKeys, recordChange, type KeyEvent } from '../keys/directory';
import { keyHash, mintKey, newKeyId } from '../keys/format';
import type { VirtualKey } from '../keys/object';
import { changedFields, keyObject, newRecord, parseKeyChanges, type StoredKey } from '../keys/record';
import { keyTagKey } from '../keys/registry';

const KEY_ID = /^vk_[a-z2-7]{20}$/;
const MAX_BODY_BYTES = 64 * 1024;
/** The longest an old secret may keep working after a rotation. */
const MAX_GRACE_SECONDS = 30 * 86_400;

type Handler = (request: IRequest, context: RequestContext) => Promise<Response>;

/** Every key route: the admin key first, then the handler. */
const admin =
  (handler: Handler): Handler =>
  async (request, context) => {
    await checkAdmin(request, context.config);
    return handler(request, context);
  };

async function jsonBody(request: IRequest, optional = false): Promise<unknown> {
  const bytes = await readBytes(request, MAX_BODY_BYTES);
  if (bytes.byteLength === 0 && optional) return {};
  // As on /v1, and in every object: `{"limits":{"usd_total":1,"usd_total":0}}` is refused, not
  // read as whichever a parser keeps (here, no limit at all).
  scanJsonBody(bytes, { everyObject: true });
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw badRequest('invalid_json', 'The body must be a JSON object.');
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function objectFor(env: Env, id: string): DurableObjectStub<VirtualKey> {
  return env.VIRTUAL_KEYS.get(env.VIRTUAL_KEYS.idFromName(id));
}

function notFound(id: string): ProxyError {
  return new ProxyError(404, 'key_not_found', `No key with id '${id.slice(0, 64)}'.`, { param: 'id' });
}

/** The key's id from the path, refused as unknown unless it has a key id's shape. */
function keyId(request: IRequest): string {
  const id = request.params['id'] ?? '';
  if (!KEY_ID.test(id)) throw notFound(id);
  return id;
}

/** The key object as the API shows it, from its own object (authoritative, with its spend). */
async function shown(env: Env, id: string) {
  const view = await objectFor(env, id).view(Date.now());
  if (!view || view.record.deleted) throw notFound(id);
  return keyObject(view.record, view);
}

/** The directory is for listing: a failure to write it is logged, and the key still works. */
async function remember(env: Env, record: StoredKey, events: KeyEvent[]): Promise<void> {
  await recordChange(env.USAGE_DB, record, events).catch((error: unknown) => {
    logFailure('key_directory_failed', error, { key: record.id });
    throw new ProxyError(
      503,
      'key_directory_unavailable',
      'The key was saved, but the key list could not be updated; try again.',
    );
  });
}

const ZERO_SPEND = { usd_today: 0, usd_month: 0, usd_total: 0, tokens_today: 0 };

export const createKey: Handler = admin(async (request, { env }) => {
  const changes = parseKeyChanges(await jsonBody(request), true);
  const id = newKeyId();
  const record = newRecord(id, changes, nowSeconds());
  const key = await mintKey(id, await keyTagKey(env.KEY_REGISTRY));
  const object = objectFor(env, id);
  if (!(await object.create(record, await keyHash(key)))) {
    throw new ProxyError(409, 'key_exists', 'A key with this id exists; try again.');
  }
  // A key missing from the list, whose secret nobody was shown, must not stay usable: undo it.
  await remember(env, record, [{ type: 'created', at: record.createdAt }]).catch(async () => {
    await object.remove().catch((error: unknown) => logFailure('key_undo_failed', error, { key: id }));
    throw new ProxyError(
      503,
      'key_directory_unavailable',
      'The key list could not be updated, so no key was created; try again.',
    );
  });
  return jsonResponse(
    { ...keyObject(record, { lastUsedAt: null, spend: ZERO_SPEND }), key },
    { status: 201 },
  );
});

export const listKeysRoute: Handler = admin(async (_request, { env }) => {
  const records = await listKeys(env.USAGE_DB);
  const data = await Promise.all(records.map((record) => shown(env, record.id).catch(() => undefined)));
  return jsonResponse({ object: 'list', data: data.filter((key) => key !== undefined) }, { status: 200 });
});

export const getKey: Handler = admin(async (request, { env }) =>
  jsonResponse(await shown(env, keyId(request)), { status: 200 }),
);

export const changeKey: Handler = admin(async (request, { env }) => {
  const id = keyId(request);
  const changes = parseKeyChanges(await jsonBody(request), false);
  const before = await objectFor(env, id).view(Date.now());
  const record = await objectFor(env, id).change(changes);
  if (!record || !before) throw notFound(id);
  const at = nowSeconds();
  // Disabling and enabling are events of their own; `changed` names the other fields whose
  // values differ (a PATCH that sets a field to what it was records nothing).
  const fields = changedFields(before.record, record);
  const events: KeyEvent[] = fields.length > 0 ? [{ type: 'changed', at, fields }] : [];
  if (changes.disabled !== undefined && changes.disabled !== before.record.disabled) {
    events.push({ type: changes.disabled ? 'disabled' : 'enabled', at });
  }
  if (events.length > 0) await remember(env, record, events);
  return jsonResponse(await shown(env, id), { status: 200 });
});

export const deleteKey: Handler = admin(async (request, { env }) => {
  const id = keyId(request);
  const object = objectFor(env, id);
  const view = await object.view(Date.now());
  if (!view || view.record.deleted || !(await object.remove())) throw notFound(id);
  await remember(env, { ...view.record, deleted: true }, [{ type: 'deleted', at: nowSeconds() }]);
  return jsonResponse({ id, object: 'key', deleted: true }, { status: 200 });
});

export const rotateKey: Handler = admin(async (request, { env }) => {
  const id = keyId(request);
  const body = await jsonBody(request, true);
  const grace = isObject(body) ? (body['grace_seconds'] ?? 0) : undefined;
  if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
    throw badRequest(
      'invalid_value',
      `"grace_seconds" must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}.`,
      'grace_seconds',
    );
  }
  const unknown = isObject(body) ? Object.keys(body).find((field) => field !== 'grace_seconds') : undefined;
  if (unknown !== undefined)
    throw badRequest('unknown_parameter', `Unknown field "${unknown.slice(0, 64)}".`, unknown.slice(0, 64));
  const key = await mintKey(id, await keyTagKey(env.KEY_REGISTRY));
  const record = await objectFor(env, id).rotate(await keyHash(key), Date.now() + grace * 1000);
  if (!record) throw notFound(id);
  await remember(env, record, [{ type: 'rotated', at: nowSeconds() }]);
  // Answered like a create: a new secret, shown this once, with 201.
  return jsonResponse({ ...(await shown(env, id)), key }, { status: 201 });
});

export const keyEventsRoute: Handler = admin(async (request, { env }) => {
  const id = keyId(request);
  const data = await keyEvents(env.USAGE_DB, id);
  if (data.length === 0) throw notFound(id);
  return jsonResponse({ object: 'list', data }, { status: 200 });
});
