// The list of virtual keys and their audit trail, in D1: what the admin API and the page read.
// Requests never read it; each key's own Durable Object is what a request consults.
import { tablesOnFirstUse } from '../lib/d1-schema';
import type { StoredKey } from './record';

const SCHEMA = `CREATE TABLE IF NOT EXISTS virtual_keys (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS key_events (
  key_id TEXT NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL, fields TEXT
);
CREATE INDEX IF NOT EXISTS key_events_by_key ON key_events (key_id, at)`;

const withTables = tablesOnFirstUse(SCHEMA);

export type KeyEventType = 'created' | 'changed' | 'disabled' | 'enabled' | 'rotated' | 'deleted';

export interface KeyEvent {
  readonly type: KeyEventType;
  /** Unix seconds. */
  readonly at: number;
  /** For `changed`: the fields an admin changed. */
  readonly fields?: readonly string[];
}

/** Saves the key's record for the list, and what happened to it for its audit trail. */
export function recordChange(
  db: D1Database,
  record: StoredKey,
  events: readonly KeyEvent[],
): Promise<unknown> {
  return withTables(db, () =>
    db.batch([
      db
        .prepare(
          'INSERT INTO virtual_keys (id, created_at, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record',
        )
        .bind(record.id, record.createdAt, JSON.stringify(record)),
      ...events.map((event) =>
        db
          .prepare('INSERT INTO key_events (key_id, at, type, fields) VALUES (?, ?, ?, ?)')
          .bind(record.id, event.at, event.type, event.fields ? JSON.stringify(event.fields) : null),
      ),
    ]),
  );
}

/** Every key that is not deleted, newest first (at most 1,000; deleted keys never take a place). */
export async function listKeys(db: D1Database): Promise<StoredKey[]> {
  const rows = await withTables(db, () =>
    // Within a second, the order they were created in (rowid).
    db
      .prepare(
        `SELECT record FROM virtual_keys WHERE NOT json_extract(record, '$.deleted')
         ORDER BY created_at DESC, rowid DESC LIMIT 1000`,
      )
      .all<{ record: string }>(),
  );
  return rows.results.map((row) => JSON.parse(row.record) as StoredKey);
}

/** A key's audit trail, newest first. */
export async function keyEvents(db: D1Database, id: string): Promise<KeyEvent[]> {
  const rows = await withTables(db, () =>
    db
      .prepare(
        'SELECT at, type, fields FROM key_events WHERE key_id = ? ORDER BY at DESC, rowid DESC LIMIT 1000',
      )
      .bind(id)
      .all<{ at: number; type: KeyEventType; fields: string | null }>(),
  );
  return rows.results.map((row) => ({
    type: row.type,
    at: row.at,
    ...(row.fields ? { fields: JSON.parse(row.fields) as string[] } : {}),
  }));
}
