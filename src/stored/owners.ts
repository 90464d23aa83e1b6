// Which caller a stored object (a response kept by the provider, a conversation) belongs to, and
// which upstream holds it. One Durable Object per object id: strongly consistent, so a follow-up
// sent the moment the answer arrives finds the record in any location, and kept for as long as
// the provider keeps the object.
import { DurableObject } from 'cloudflare:workers';
import type { StoredKind } from '../routes';

export interface Ownership {
  /** The caller id that created it (never a secret). */
  readonly caller: string;
  /** The name of the upstream that holds it. */
  readonly upstream: string;
  readonly kind: StoredKind;
}

const OWNER = 'owner';

export class StoredObject extends DurableObject<Env> {
  /** Records the owner, unless another caller already holds the id; forgets it after `keepMs`. */
  async claim(ownership: Ownership, keepMs: number): Promise<boolean> {
    const held = await this.ctx.storage.get<Ownership>(OWNER);
    if (held && held.caller !== ownership.caller) return false;
    await this.ctx.storage.put(OWNER, ownership);
    await this.ctx.storage.setAlarm(Date.now() + keepMs);
    return true;
  }

  async owner(): Promise<Ownership | undefined> {
    return this.ctx.storage.get<Ownership>(OWNER);
  }

  async forget(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

const objectFor = (env: Env, id: string) => env.STORED_OBJECTS.get(env.STORED_OBJECTS.idFromName(id));

export const ownerOf = (env: Env, id: string): Promise<Ownership | undefined> => objectFor(env, id).owner();

export const claim = (env: Env, id: string, ownership: Ownership, keepMs: number): Promise<boolean> =>
  objectFor(env, id).claim(ownership, keepMs);

export const forget = (env: Env, id: string): Promise<void> => objectFor(env, id).forget();
