// GET /admin/api/usage: the ledger's totals for the owner. Only ADMIN_KEY opens it; without an
// ADMIN_KEY configured the route does not exist, and a client key or token is never enough.
import type { IRequest } from 'itty-router';
import { readConfig, sha256 } from '../config/read';
import { ProxyError, badRequest, denyAccess, jsonResponse, logFailure } from '../errors';
import { usageReport, type GroupBy } from '../usage/report';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GROUPS: readonly GroupBy[] = ['caller', 'model', 'day'];
const MAX_RANGE_DAYS = 366;

async function checkAdmin(request: Request, expected: Promise<ArrayBuffer>): Promise<void> {
  const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  // Compared as digests, in constant time, like client keys.
  if (presented === undefined || !crypto.subtle.timingSafeEqual(await sha256(presented), await expected)) {
    denyAccess('invalid_admin_key', 'The admin API needs "Authorization: Bearer <ADMIN_KEY>".');
  }
}

/** `from` and `to` (inclusive, UTC days) default to the last 7 days; `by` to `day`. */
function parseRange(url: URL): { from: string; to: string; by: GroupBy } {
  const day = (param: 'from' | 'to', fallback: () => string) => {
    const value = url.searchParams.get(param) ?? fallback();
    if (!DAY.test(value) || Number.isNaN(Date.parse(value))) {
      throw badRequest('invalid_date', `"${param}" must be a date such as 2026-12-01.`, param);
    }
    return value;
  };
  // `to` first: the default `from` is computed from it.
  const to = day('to', () => new Date().toISOString().slice(0, 10));
  const from = day('from', () => new Date(Date.parse(to) - 6 * 86_400_000).toISOString().slice(0, 10));
  const by = url.searchParams.get('by') ?? 'day';
  if (from > to || Date.parse(to) - Date.parse(from) > MAX_RANGE_DAYS * 86_400_000) {
    throw badRequest(
      'invalid_range',
      `"from" must not be after "to", and the range at most ${MAX_RANGE_DAYS} days.`,
      'from',
    );
  }
  const group = GROUPS.find((candidate) => candidate === by);
  if (!group) throw badRequest('invalid_group', '"by" must be caller, model or day.', 'by');
  return { from, to, by: group };
}

export async function usageApi(request: IRequest, env: Env): Promise<Response | undefined> {
  const config = readConfig(env);
  if (config.adminKeyDigest === undefined) return undefined; // The route does not exist.
  await checkAdmin(request, config.adminKeyDigest);
  const range = parseRange(new URL(request.url));
  let report;
  try {
    report = await usageReport(env.USAGE_DB, range);
  } catch (error) {
    logFailure('usage_read_failed', error);
    throw new ProxyError(503, 'usage_unavailable', 'The usage database is unavailable; try again shortly.');
  }
  return jsonResponse(
    { object: 'list', from: range.from, to: range.to, by: range.by, ...report },
    { status: 200 },
  );
}
