// The one reading of an `Authorization: Bearer <credential>` header (RFC 6750 §2.1).

/** The credential after `Bearer`, or `undefined` when the header is absent or another scheme. */
export function bearerToken(authorization: string | null): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}
