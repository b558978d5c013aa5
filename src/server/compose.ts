import { createHandler } from '../app/handler.js';
import type { Handler } from '../app/types.js';
import type { AssetSource } from '../assets/asset-source.js';
import { DiskSource } from '../assets/disk-source.js';
import { staticRootFor } from '../paths.js';
import { DbSessionStore } from '../session/db-store.js';
import type { SessionStore } from '../session/session-store.js';
import { SqliteStore } from '../store/sqlite-store.js';

export interface ComposeOptions {
  dbPath: string;
  sessions?: SessionStore;
  assets?: AssetSource;
  workerTag?: string;
  /** Unexpected errors behind 500 responses (the adapter logs them). */
  onError?: (e: unknown) => void;
  /** Degraded-but-serving conditions (a session store outage), logged at most once per 10 s. */
  onWarning?: (message: string) => void;
}

/**
 * Builds the app once per process: opens the database (prepared statements), compiles the
 * templates, wires the session store (default: the database, as the talk's 0.2) and the asset
 * source (default: the static root next to the database). Lean imports on purpose: the CGI stage
 * pays for this on every request. close() closes only what this function opened.
 */
export async function composeApp(
  opts: ComposeOptions,
): Promise<{ handler: Handler; close(): Promise<void> }> {
  const store = new SqliteStore(opts.dbPath);
  const owned: Array<{ close(): Promise<void> }> = [store];
  try {
    const sessions = opts.sessions ?? new DbSessionStore(opts.dbPath);
    if (opts.sessions === undefined) owned.push(sessions);
    const assets = opts.assets ?? new DiskSource(staticRootFor(opts.dbPath));
    if (opts.assets === undefined) owned.push(assets);
    const handler = createHandler({
      store,
      sessions,
      assets,
      workerTag: opts.workerTag,
      onError: opts.onError,
      onWarning: opts.onWarning,
    });
    return {
      handler,
      close: async () => {
        for (const o of owned.reverse()) await o.close();
      },
    };
  } catch (e) {
    for (const o of owned) await o.close();
    throw e;
  }
}
