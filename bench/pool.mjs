// @ts-check
// A bounded promise pool: a fixed number of tasks, a fixed number in flight, and a deadline after
// which no new task starts, so every load loop ends in bounded count and time.

/**
 * @template T
 * @typedef {{ results: T[], errors: unknown[], skipped: number, elapsedMs: number }} PoolResult
 */

/**
 * Runs `task(i)` for i = 0..count-1 with at most `concurrency` running at once.
 * @template T
 * @param {number} count @param {number} concurrency
 * @param {(i: number) => Promise<T>} task
 * @param {number} deadline performance.now() after which no new task starts
 * @returns {Promise<PoolResult<T>>}
 */
export async function pool(count, concurrency, task, deadline) {
  /** @type {T[]} */
  const results = [];
  /** @type {unknown[]} */
  const errors = [];
  let next = 0;
  let skipped = 0;
  const start = performance.now();
  async function lane() {
    while (next < count) {
      const i = next++;
      if (performance.now() > deadline) {
        skipped++;
        continue;
      }
      try {
        results.push(await task(i));
      } catch (error) {
        errors.push(error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, lane));
  return { results, errors, skipped, elapsedMs: performance.now() - start };
}
