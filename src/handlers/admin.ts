// GET /admin/api/usage: the ledger's totals for the owner. Only ADMIN_KEY opens it (the router
// makes the route exist only when ADMIN_KEY is set).
import type { IRequest } from 'itty-router';
import { checkAdmin } from '../access/admin';
import type { RequestContext } from '../context/context';
import { ProxyError, badRequest, logFailure } from '../errors';
import { jsonResponse } from '../http/json-response';
import { usageReport, type GroupBy } from '../ledger/report';
import { utcDay } from '../lib/time';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GROUPS: readonly GroupBy[] = ['caller', 'model', 'day'];
const MAX_RANGE_DAYS = 366;

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
  const to = day('to', () => utcDay(Date.now()));
  const from = day('from', () => utcDay(Date.parse(to) - 6 * 86_400_000));
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

export async function usageApi(request: IRequest, context: RequestContext): Promise<Response> {
  await checkAdmin(request, context.config);
  const range = parseRange(new URL(request.url));
  let report;
  try {
    report = await usageReport(context.env.USAGE_DB, range);
  } catch (error) {
    logFailure('usage_read_failed', error);
    throw new ProxyError(503, 'usage_unavailable', 'The usage database is unavailable; try again shortly.');
  }
  return jsonResponse(
    { object: 'list', from: range.from, to: range.to, by: range.by, ...report },
    { status: 200 },
  );
}
