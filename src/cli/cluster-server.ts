import cluster, { type Worker } from 'node:cluster';
import { FkError } from '../errors.js';
import { runAppProcess } from '../server/app-process.js';
import { intOption, parse, sessionsOption } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr cluster-server --port P [--host 127.0.0.1] --workers N --db PATH
                            [--sessions db|redis|memcached] [--redis URL] [--memcached HOST:PORT]

The talk's multiprocess model with no proxy (stage cluster): a node:cluster primary forks N
workers that each run the app server on the same port. Prints "listening http://HOST:PORT" once
every worker listens; SIGTERM stops them all.`;

// A worker that dies within this long of its start is not replaced: that is a crash loop
// (bad database, backend down at start-up), and re-forking would only hide it.
const MIN_LIFETIME_MS = 2000;

type Values = ReturnType<typeof parseValues>;

function parseValues(args: string[]) {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    db: { type: 'string' },
    sessions: { type: 'string' },
    redis: { type: 'string' },
    memcached: { type: 'string' },
  });
  const port = intOption(values.port, 'port', 1, 65535);
  if (port === undefined) throw new FkError('E_USAGE', 'cluster-server needs --port');
  if (values.db === undefined) throw new FkError('E_USAGE', 'cluster-server needs --db');
  const workers = intOption(values.workers, 'workers', 1, 256) ?? 2;
  const sessions = sessionsOption(values.sessions) ?? 'redis';
  return { ...values, port, workers, sessions, db: values.db, host: values.host ?? '127.0.0.1' };
}

/** One worker: the same app server as `app-server`; node:cluster shares the primary's socket. */
async function runWorker(v: Values, io: Io): Promise<number> {
  const onError = (e: unknown) =>
    io.stderr(`cluster-worker ${process.pid}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  await runAppProcess({
    dbPath: v.db,
    sessions: v.sessions,
    redisUrl: v.redis,
    memcachedAddr: v.memcached,
    port: v.port,
    host: v.host,
    onError,
    onWarning: (line) => io.stderr(`cluster-server[${process.pid}]: warning: ${line}\n`),
    until: untilAborted(io.signal),
  });
  return 0;
}

/**
 * The primary only forks and watches. Linux's default policy is round-robin: the primary accepts
 * every connection and hands it to a worker, so it is one more hop (and one more process on the
 * CPU profile) than nginx's upstream, but with no buffering of slow clients.
 */
async function runPrimary(v: Values, io: Io): Promise<number> {
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
      io.stderr(`cluster-server: worker ${w.process.pid} died after ${lived} ms (${why}); not replaced\n`);
      return;
    }
    io.stderr(`cluster-server: worker ${w.process.pid} died (${why}); forking a new one\n`);
    fork();
  });
  const workers = Array.from({ length: v.workers }, fork);
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
    await Promise.race([ready, untilAborted(io.signal)]);
    if (!io.signal.aborted) {
      io.stdout(`listening http://${v.host}:${v.port} (${v.workers} workers)\n`);
      await untilAborted(io.signal);
    }
  } finally {
    stopping = true;
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w === undefined || w.isDead()) return resolve();
            // A SIGTERM to our process group reached the workers already; a second one would make
            // main.ts exit at once instead of closing cleanly. Signal only those still running.
            const timer = setTimeout(() => w.process.kill('SIGTERM'), 500);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
  return 0;
}

async function run(args: string[], io: Io): Promise<number> {
  const v = parseValues(args);
  return cluster.isPrimary ? runPrimary(v, io) : runWorker(v, io);
}

export const command: Command = {
  usage: USAGE,
  run,
};
