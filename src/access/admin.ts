// The owner's credential: `Authorization: Bearer <ADMIN_KEY>`, compared as digests in constant
// time, like client keys. A client key or token is never enough.
import type { Config } from '../config/read';
import { denyAccess } from '../errors';
import { bearerToken } from '../lib/bearer';
import { sha256 } from '../lib/bytes';

export async function checkAdmin(request: Request, config: Config): Promise<void> {
  const expected = config.adminKeyDigest;
  const presented = bearerToken(request.headers.get('authorization'));
  if (
    expected === undefined ||
    presented === undefined ||
    !crypto.subtle.timingSafeEqual(await sha256(presented), await expected)
  ) {
    denyAccess('invalid_admin_key', 'The admin API needs "Authorization: Bearer <ADMIN_KEY>".');
  }
}
