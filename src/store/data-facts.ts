import { openDb } from './open-db.js';

/** What the ladder needs to know of the data: its size, and a user to smoke-check a stage with. */
export interface DataFacts {
  users: number;
  /** The user the smoke check logs in as, with the names its page must show. */
  smokeUser: { id: number; names: string[] };
}

/**
 * Not user 1: it is the canary whose name is all HTML-dangerous characters; a middle user is a
 * typical page. (The canary is checked by the app's own smoke suite.)
 */
export function smokeUserId(users: number): number {
  return Math.max(1, Math.ceil(users / 2));
}

export function sqliteDataFacts(dbPath: string): DataFacts {
  const db = openDb(dbPath, { readonly: true });
  try {
    const { n } = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()!;
    const id = smokeUserId(n);
    const row = db
      .prepare<[number], { name: string; display_name: string }>(
        'SELECT name, display_name FROM users WHERE id = ?',
      )
      .get(id);
    return { users: n, smokeUser: { id, names: row ? [row.display_name, row.name] : [] } };
  } finally {
    db.close();
  }
}
