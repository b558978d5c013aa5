import { type BackendOptions, openBackends } from './backends.js';
import { composeApp } from './compose.js';
import { listen } from './node-http.js';

export interface AppProcessOptions extends Omit<BackendOptions, 'log'> {
  port: number;
  host: string;
  /** Unexpected errors behind 500s. */
  onError: (e: unknown) => void;
  /** Degraded-but-serving conditions (a session store or memcached outage). */
  onWarning: (line: string) => void;
  onListening?: (url: string) => void;
  /** The process serves until this resolves (the CLI's abort signal). */
  until: Promise<void>;
}

/**
 * One long-running app process, as stages `single`, `nginx`, `memcached` (app-server) and `cluster`
 * (each worker) run it: all initialisation up front — backends, database, templates (the talk's
 * 0.2) — then serve until told to stop, then close in reverse order.
 */
export async function runAppProcess(o: AppProcessOptions): Promise<void> {
  const backends = await openBackends({
    dbPath: o.dbPath,
    sessions: o.sessions,
    redisUrl: o.redisUrl,
    memcachedAddr: o.memcachedAddr,
    fillMemcached: o.fillMemcached,
    log: o.onWarning,
  });
  let app: Awaited<ReturnType<typeof composeApp>> | undefined;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    app = await composeApp({
      dbPath: o.dbPath,
      sessions: backends.sessions,
      assets: backends.assets,
      onError: o.onError,
      onWarning: o.onWarning,
    });
    server = await listen(app.handler, { port: o.port, host: o.host, onError: o.onError });
    o.onListening?.(server.url);
    await o.until;
  } finally {
    await server?.close();
    await app?.close();
    await backends.close();
  }
}
