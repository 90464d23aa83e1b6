// Keeps the upstream key out of anything a client can read.

/**
 * Some upstreams echo the key they received in a 401 ("Incorrect API key provided: sk-…").
 * Replace the key itself and anything shaped like a provider key, whole or masked.
 */
const KEY_SHAPED = /\bsk-[A-Za-z0-9_*.\-]{6,}/g;

export function redactSecret(text: string, secret: string | undefined): string {
  const withoutSecret = secret ? text.split(secret).join('[redacted]') : text;
  return withoutSecret.replace(KEY_SHAPED, '[redacted]');
}
