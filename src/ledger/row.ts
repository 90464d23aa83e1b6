// The ledger's unit on the queue: one caller × model × UTC day row, summed over the requests an
// isolate served, so a queue message carries many requests and the consumer writes each row once.
import { BUCKET_COLUMNS, BUCKET_COUNT, bucketOf } from './histogram';
import type { UsageEvent } from './log-line';

/** The summed columns of `usage_daily`, in the order a row's `counters` holds them. */
export const COUNTERS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cached',
  'errors',
  'cost_usd',
  'unpriced',
  'estimated',
  ...BUCKET_COLUMNS,
] as const;

export interface UsageRow {
  readonly day: string;
  readonly caller: string;
  readonly model: string;
  /** One number per column of COUNTERS. */
  readonly counters: number[];
}

export const rowKey = (row: Pick<UsageRow, 'day' | 'caller' | 'model'>) =>
  `${row.day}\n${row.caller}\n${row.model}`;

/** One request as a row of its own. */
export function rowOf(event: UsageEvent): UsageRow {
  const buckets = new Array<number>(BUCKET_COUNT).fill(0);
  buckets[bucketOf(event.ttfbMs)] = 1;
  const { day, caller, model } = event;
  const counters = [
    1,
    event.input,
    event.output,
    event.cached,
    event.error,
    event.costUsd,
    event.unpriced,
    event.estimated,
    ...buckets,
  ];
  return { day, caller, model, counters };
}

/** Adds `more` into `row`'s counters (same key). */
export function addInto(row: UsageRow, more: UsageRow): void {
  more.counters.forEach((value, index) => (row.counters[index]! += value));
}

/** Sums rows per key. Pure: the inputs are not changed. */
export function sumRows(rows: readonly UsageRow[]): UsageRow[] {
  const summed = new Map<string, UsageRow>();
  for (const row of rows) {
    const key = rowKey(row);
    const into = summed.get(key);
    if (into) addInto(into, row);
    else summed.set(key, { ...row, counters: [...row.counters] });
  }
  return [...summed.values()];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_NAME = 256;
const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME;

/** A row as a queue message may hold it: names bounded, every counter a finite non-negative number. */
export function isUsageRow(value: unknown): value is UsageRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const counters = row['counters'];
  return (
    typeof row['day'] === 'string' &&
    DAY.test(row['day']) &&
    isName(row['caller']) &&
    isName(row['model']) &&
    Array.isArray(counters) &&
    counters.length === COUNTERS.length &&
    counters.every(
      (count) => typeof count === 'number' && Number.isFinite(count) && count >= 0 && count < 1e15,
    )
  );
}
