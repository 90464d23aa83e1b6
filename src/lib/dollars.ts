// Dollar amounts as the proxy counts them: whole micro-dollars.

/**
 * US dollars in whole micro-dollars. A positive amount is never rounded down to nothing: as a
 * limit, 0 means "no limit", so $0.0000001 would silently lift a budget instead of tightening it.
 */
export const toMicros = (usd: number): number => (usd > 0 ? Math.max(1, Math.round(usd * 1_000_000)) : 0);
