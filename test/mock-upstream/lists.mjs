// @ts-check
// Cursor pages as OpenAI returns stored items (response input items, conversation items):
// newest first unless `order=asc`, `after=<id>` to continue, 20 per page unless `limit`.

/**
 * @template {{ id: string }} T
 * @param {readonly T[]} items oldest first @param {URLSearchParams} query
 */
export function listPage(items, query) {
  const ordered = query.get('order') === 'asc' ? [...items] : [...items].reverse();
  const asked = Number(query.get('limit') ?? 20);
  const limit = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), 100) : 20;
  const after = query.get('after');
  const start = after === null ? 0 : ordered.findIndex((item) => item.id === after) + 1;
  return itemList(ordered.slice(start, start + limit), start + limit < ordered.length);
}

/**
 * @template {{ id: string }} T
 * @param {T[]} data @param {boolean} [hasMore]
 */
export const itemList = (data, hasMore = false) => ({
  object: 'list',
  data,
  first_id: data[0]?.id ?? null,
  last_id: data.at(-1)?.id ?? null,
  has_more: hasMore,
});
