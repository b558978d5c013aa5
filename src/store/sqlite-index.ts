import { openDb } from './open-db.js';
import { CREATE_USER_ID_INDEX, DROP_USER_ID_INDEX, PHOTOS_OF_USER, USER_ID_INDEX } from './schema.js';

/**
 * The talk's missing-index demo ("Drop the index, run the benchmarking, recreate the index").
 * Running app processes keep working: SQLite re-prepares their statements on the schema change.
 */
export function dropUserIdIndex(dbPath: string): void {
  const db = openDb(dbPath);
  try {
    db.exec(DROP_USER_ID_INDEX);
  } finally {
    db.close();
  }
}

export function createUserIdIndex(dbPath: string): void {
  const db = openDb(dbPath);
  try {
    db.exec(CREATE_USER_ID_INDEX);
  } finally {
    db.close();
  }
}

export function userIdIndexExists(dbPath: string): boolean {
  const db = openDb(dbPath, { readonly: true });
  try {
    const row = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?")
      .get(USER_ID_INDEX);
    return row !== undefined;
  } finally {
    db.close();
  }
}

/** The plan SQLite picks for the page query: 'SEARCH ... USING INDEX' vs 'SCAN photos'. */
export function userPageQueryPlan(dbPath: string): string {
  const db = openDb(dbPath, { readonly: true });
  try {
    const rows = db.prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN ${PHOTOS_OF_USER}`).all(1);
    return rows.map((r) => r.detail).join('; ');
  } finally {
    db.close();
  }
}
