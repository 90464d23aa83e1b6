// The one secret that tags every virtual key, generated on first use and kept by a Durable Object
// (one instance, strongly consistent: two isolates can never mint under different secrets). It is
// its own secret, not derived from ADMIN_KEY: rotating the admin key must not void every key.
import { DurableObject } from 'cloudflare:workers';

const SECRET_KEY = 'tag-secret';

export class KeyRegistry extends DurableObject<Env> {
  async tagSecret(): Promise<string> {
    const stored = await this.ctx.storage.get<string>(SECRET_KEY);
    if (stored) return stored;
    const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    await this.ctx.storage.put(SECRET_KEY, secret);
    return secret;
  }
}

let tagKey: Promise<CryptoKey> | undefined;

/** The HMAC key that tags keys, read once per isolate. */
export function keyTagKey(registry: DurableObjectNamespace<KeyRegistry>): Promise<CryptoKey> {
  tagKey ??= registry
    .get(registry.idFromName('registry'))
    .tagSecret()
    .then((secret) =>
      crypto.subtle.importKey(
        'raw',
        Uint8Array.from(atob(secret), (char) => char.charCodeAt(0)),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      ),
    )
    .catch((error: unknown) => {
      tagKey = undefined;
      throw error;
    });
  return tagKey;
}
