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
    server = await listen(app.handler, {
      port: spec.port,
      host: spec.host,
      onError: hooks.onError,
      ...(spec.maxInFlight === undefined
        ? {}
        : { maxInFlight: spec.maxInFlight, onShed: shedWarning(spec.maxInFlight, hooks.onWarning) }),
    });
    hooks.onListening?.(server.url);
    await hooks.until;
  } finally {
    await server?.close();
    await app.close();
  }
}

/** One warning per 10 s at most while requests are refused past the in-flight limit. */
function shedWarning(max: number, warn: (line: string) => void): (total: number) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (total) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    warn(`over the in-flight limit (${max}): ${total} requests answered 503 so far`);
  };
}
