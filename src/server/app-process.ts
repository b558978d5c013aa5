import type { AppProcessSpec } from './app-process-spec.js';
import { listen } from './node-http.js';
import { openApp } from './open-app.js';

export interface AppProcessHooks {
  /** Unexpected errors behind 500s. */
  onError: (e: unknown) => void;
  /** Degraded-but-serving conditions (a session store or memcached outage). */
  onWarning: (line: string) => void;
  onListening?: (url: string) => void;
  /** The process serves until this resolves (the CLI's abort signal). */
  until: Promise<void>;
}

/**
 * One long-running app process, as stages `single`, `nginx`, `memcached` and each `cluster`
 * worker run it: all initialisation up front — backends, database, templates (the talk's 0.2) —
 * then serve until told to stop, then close in reverse order.
 */
export async function runAppProcess(spec: AppProcessSpec, hooks: AppProcessHooks): Promise<void> {
  const app = await openApp(spec, { onError: hooks.onError, onWarning: hooks.onWarning });
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    server = await listen(app.handler, { port: spec.port, host: spec.host, onError: hooks.onError });
    hooks.onListening?.(server.url);
    await hooks.until;
  } finally {
    await server?.close();
    await app.close();
  }
}
