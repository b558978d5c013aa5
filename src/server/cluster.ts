import cluster, { type Worker } from 'node:cluster';
import { FkError } from '../errors.js';
import { type AppProcessHooks, runAppProcess } from './app-process.js';
import type { AppProcessSpec } from './app-process-spec.js';

/**
 * One of the talk's "other options", the multiprocess model with no proxy (stage cluster): a
 * node:cluster primary forks `spec.cluster` workers that each run the same app process on the
 * same port. Linux's default policy is round-robin: the primary accepts every connection and
 * hands it to a worker, so it is one more hop (and one more process on the CPU profile) than
 * nginx's upstream, but with no buffering of slow clients.
 */

// A worker that dies within this long of its start is not replaced: that is a crash loop
// (bad database, backend down at start-up), and re-forking would only hide it.
const MIN_LIFETIME_MS = 2000;

export interface ClusterHooks extends AppProcessHooks {
  /** Lines about workers dying and being replaced (stderr in the CLI). */
  log: (line: string) => void;
}

export function runCluster(spec: AppProcessSpec, hooks: ClusterHooks): Promise<void> {
  return cluster.isPrimary
    ? runPrimary(spec, hooks)
    : runAppProcess(spec, { ...hooks, onListening: undefined });
}

async function runPrimary(spec: AppProcessSpec, hooks: ClusterHooks): Promise<void> {
  let stopping = false;
  const bornAt = new Map<Worker, number>();
  const fork = () => {
    const w = cluster.fork();
    bornAt.set(w, Date.now());
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const lived = Date.now() - (bornAt.get(w) ?? 0);
    bornAt.delete(w);
    if (stopping) return;
    const why = signal ?? `code ${code}`;
    if (lived < MIN_LIFETIME_MS) {
      hooks.log(`worker ${w.process.pid} died after ${lived} ms (${why}); not replaced`);
      return;
    }
    hooks.log(`worker ${w.process.pid} died (${why}); forking a new one`);
    fork();
  });
  const workers = Array.from({ length: spec.cluster }, fork);
  const ready = Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('listening', () => resolve());
          w.once('exit', (code) =>
            reject(new FkError('E_PROCESS_EXITED', `cluster worker exited during start-up (code ${code})`)),
          );
        }),
    ),
  );
  try {
    const stopped = hooks.until.then(() => 'stopped' as const);
    if ((await Promise.race([ready, stopped])) !== 'stopped') {
      hooks.onListening?.(`http://${spec.host}:${spec.port} (${spec.cluster} workers)`);
      await hooks.until;
    }
  } finally {
    stopping = true;
    await Promise.all(Object.values(cluster.workers ?? {}).map((w) => stopWorker(w)));
  }
}

function stopWorker(w: Worker | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (w === undefined || w.isDead()) return resolve();
    // A SIGTERM to our process group reached the workers already; a second one would make
    // main.ts exit at once instead of closing cleanly. Signal only those still running.
    const timer = setTimeout(() => w.process.kill('SIGTERM'), 500);
    w.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
