// The token verifiers: TOKEN_SECRET for HS256 tokens a backend mints, JWKS_URL + TOKEN_ISSUER +
// TOKEN_AUDIENCE for an identity provider's session tokens, ACCESS_TEAM_DOMAIN + ACCESS_AUD for
// Cloudflare Access. Each group is all set or all unset; a partial group names what is missing.
import { ASYMMETRIC_ALGORITHMS, type Verifier } from '../access/client-token';
import { remoteKeys } from '../access/jwks';
import { parseBaseUrl } from './base-url';
import { ConfigError, integer, list, text, type RawEnv } from './values';

/** RFC 7518 §3.2: an HS256 key must have at least 256 bits; a shorter secret is guessable offline. */
export const MIN_SECRET_LENGTH = 32;
const encoder = new TextEncoder();

/** The values of a group of settings, or `undefined` when none is set; a partial group is an error. */
function group<const Names extends readonly string[]>(
  env: RawEnv,
  names: Names,
): Record<Names[number], string> | undefined {
  const values = names.map((name) => text(env, name));
  if (values.every((value) => value === undefined)) return undefined;
  const missing = names.filter((_, index) => values[index] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(missing[0]!, `${names.join(', ')} go together: set ${missing.join(' and ')} too.`);
  }
  return Object.fromEntries(names.map((name, index) => [name, values[index]])) as Record<
    Names[number],
    string
  >;
}

export function hsVerifier(env: RawEnv): Verifier | undefined {
  const secret = text(env, 'TOKEN_SECRET');
  if (secret === undefined) return undefined;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      'TOKEN_SECRET',
      `TOKEN_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`).`,
    );
  }
  return { key: encoder.encode(secret), algorithms: ['HS256'] };
}

/** JWKS over HTTPS; plain HTTP only on this machine (a test or a local identity provider). */
function jwksUrl(value: string, variable: string): string {
  const url = parseBaseUrl(value, { variable, label: variable });
  const host = new URL(url).hostname;
  if (url.startsWith('http:') && host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]') {
    throw new ConfigError(variable, `${variable} must use https.`);
  }
  return url;
}

export function identityVerifier(env: RawEnv): Verifier | undefined {
  const settings = group(env, ['JWKS_URL', 'TOKEN_ISSUER', 'TOKEN_AUDIENCE'] as const);
  if (!settings) return undefined;
  return {
    key: remoteKeys(jwksUrl(settings.JWKS_URL, 'JWKS_URL'), integer(env, 'JWKS_COOLDOWN_SECONDS', 30)),
    algorithms: ASYMMETRIC_ALGORITHMS,
    issuer: settings.TOKEN_ISSUER,
    audience: list(settings.TOKEN_AUDIENCE),
  };
}

/** Cloudflare Access signs `Cf-Access-Jwt-Assertion` with the team's keys, RS256. */
export function accessVerifier(env: RawEnv): Verifier | undefined {
  const settings = group(env, ['ACCESS_TEAM_DOMAIN', 'ACCESS_AUD'] as const);
  if (!settings) return undefined;
  // `myteam.cloudflareaccess.com`, or the whole URL.
  const domain = settings.ACCESS_TEAM_DOMAIN;
  const team = jwksUrl(/^https?:\/\//.test(domain) ? domain : `https://${domain}`, 'ACCESS_TEAM_DOMAIN');
  return {
    key: remoteKeys(`${team}/cdn-cgi/access/certs`, integer(env, 'JWKS_COOLDOWN_SECONDS', 30)),
    algorithms: ['RS256'],
    issuer: team,
    audience: settings.ACCESS_AUD,
  };
}
