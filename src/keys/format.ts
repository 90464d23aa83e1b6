// What a virtual key looks like: `vk_<id>.<secret>.<tag>`. The id names the key in logs, quotas
// and the admin API; the secret is 256 random bits; the tag is an HMAC of both under a secret only
// this deployment holds, so a made-up key is refused before any storage is read.
import { hex } from '../lib/bytes';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_SHAPE = /^(vk_[a-z2-7]{20})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{11})$/;

export interface ParsedKey {
  readonly id: string;
  readonly secret: string;
  readonly tag: string;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function random(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** A new key id: `vk_` and 100 random bits in lower-case base32. */
export function newKeyId(): string {
  return `vk_${Array.from(random(20), (byte) => ID_ALPHABET[byte % 32]).join('')}`;
}

/** True for something shaped like a virtual key; only such strings are looked at further. */
export function looksLikeVirtualKey(token: string): boolean {
  return token.startsWith('vk_');
}

export function parseKey(token: string): ParsedKey | undefined {
  const match = KEY_SHAPE.exec(token);
  return match ? { id: match[1]!, secret: match[2]!, tag: match[3]! } : undefined;
}

async function tagOf(id: string, secret: string, tagKey: CryptoKey): Promise<Uint8Array> {
  const mac = await crypto.subtle.sign('HMAC', tagKey, new TextEncoder().encode(`${id}.${secret}`));
  return new Uint8Array(mac, 0, 8);
}

/** A fresh secret for `id`, tagged: the whole key a client sends. */
export async function mintKey(id: string, tagKey: CryptoKey): Promise<string> {
  const secret = base64url(random(32));
  return `${id}.${secret}.${base64url(await tagOf(id, secret, tagKey))}`;
}

/** The tag checked in constant time: a forged or mistyped key ends here. */
export async function tagMatches(key: ParsedKey, tagKey: CryptoKey): Promise<boolean> {
  const expected = base64url(await tagOf(key.id, key.secret, tagKey));
  const encoder = new TextEncoder();
  const [a, b] = [encoder.encode(expected), encoder.encode(key.tag)];
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/** What the key's Durable Object stores and compares: SHA-256 of the whole key, in hex. */
export async function keyHash(token: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
}
