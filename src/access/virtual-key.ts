// The caller a virtual key names. The key's tag is checked first, against a secret only this
// deployment holds, so a made-up key costs no storage read; then the key's own object says
// whether it opens (cached for a second in this isolate: revocation is enforced again, at once,
// when the request is admitted).
import { ProxyError, denyAccess, logFailure } from '../errors';
import { keyHash, parseKey, tagMatches } from '../keys/format';
import type { KeyStatus } from '../keys/object';
import type { StoredKey } from '../keys/record';
import { keyTagKey } from '../keys/registry';
import { refusedKey } from '../quota/key-admission';
import type { Caller } from './caller';

/**
 * How long an isolate trusts that a key opens, and its models and limits: a change to those
 * applies within it. Only an open key is remembered: a disabled, expired or revoked one is asked
 * about again, and admission asks the key's object every time, so revocation is immediate.
 */
const DESCRIBE_TTL_MS = 1000;
const described = new Map<
  string,
  { until: number; answer: Promise<{ status: KeyStatus; record?: StoredKey }> }
>();

/** What this isolate last heard about a key and hash, while it may still be trusted. */
function recent(id: string, hash: string) {
  const cached = described.get(`${id} ${hash}`);
  return cached && cached.until > Date.now() ? cached.answer : undefined;
}

function describe(env: Env, id: string, hash: string) {
  const cacheKey = `${id} ${hash}`;
  const now = Date.now();
  const object = env.VIRTUAL_KEYS.get(env.VIRTUAL_KEYS.idFromName(id));
  const answer = object.describe(hash, now);
  described.set(cacheKey, { until: now + DESCRIBE_TTL_MS, answer });
  if (described.size > 10_000) described.clear(); // Bounded: a flood of valid keys cannot grow it.
  answer.then(
    (said) => said.status !== 'active' && described.delete(cacheKey),
    () => described.delete(cacheKey),
  );
  return answer;
}

async function unavailable(error: unknown): Promise<never> {
  logFailure('key_lookup_failed', error);
  throw new ProxyError(503, 'key_service_unavailable', 'The key service is unavailable; try again shortly.');
}

export async function virtualKeyCaller(token: string, env: Env): Promise<Caller> {
  const parsed = parseKey(token);
  if (!parsed) denyAccess('invalid_api_key', 'Incorrect client key provided for this proxy.');
  const hash = await keyHash(token);
  // Only a key whose tag was checked is ever remembered: a hit needs no second check.
  let known = recent(parsed.id, hash);
  if (!known) {
    const tagKey = await keyTagKey(env.KEY_REGISTRY).catch(unavailable);
    if (!(await tagMatches(parsed, tagKey)))
      denyAccess('invalid_api_key', 'Incorrect client key provided for this proxy.');
    known = describe(env, parsed.id, hash);
  }
  const { status, record } = await known.catch(unavailable);
  if (status !== 'active' || !record) return refusedKey(status === 'active' ? 'revoked' : status);
  return {
    kind: 'virtual',
    id: record.id,
    // Its limits live in its own object, not in the per-caller quota.
    limits: { rpm: 0, tpd: 0, microsPerDay: 0 },
    ...(record.models ? { models: record.models } : {}),
    virtualKey: { id: record.id, name: record.name, hash, limits: record.limits },
  };
}
