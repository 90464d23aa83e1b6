// Tables created on first use, so `wrangler dev` and a fresh D1 database need no migration step.

/**
 * Runs work against tables `schema` creates. The isolate remembers having created them; if the
 * database says otherwise (a new or restored database behind the same binding), they are created
 * again once and the work retried.
 */
export function tablesOnFirstUse(schema: string) {
  const statements = schema.replace(/\n\s*/g, ' ');
  let ready: Promise<unknown> | undefined;
  const ensure = (db: D1Database) => {
    ready ??= db.exec(statements).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  return async function withTables<T>(db: D1Database, work: () => Promise<T>): Promise<T> {
    await ensure(db);
    try {
      return await work();
    } catch (error) {
      if (!String(error).includes('no such table')) throw error;
      ready = undefined;
      await ensure(db);
      return work();
    }
  };
}
