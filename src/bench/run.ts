import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { Worker } from 'node:worker_threads';
import { FkError } from '../errors.js';
import type { BenchOptions } from './api.js';
import type { EngineSpec } from './engine.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { mergeSnapshots, type RecorderSnapshot } from './recorder.js';
import { type BenchResult, buildResult } from './result.js';
import { runThread } from './thread.js';
import { describeTlsError, isTlsError, tlsConnectOptions } from './tls.js';
import type { Origin } from './url-template.js';

export interface BenchHooks {
  onProgress?: (p: { elapsedMs: number; requests: number; errors: number }) => void;
  /** Aborting stops the run early; the result covers what was measured so far. */
  signal?: AbortSignal;
}

interface ThreadHandle {
  done: Promise<RecorderSnapshot>;
  stop: () => void;
}

/**
 * Runs a benchmark: validate → check the target answers → split virtual users (and rate, count)
 * over threads → run → merge exactly → result. The first share runs on the calling thread (no
 * worker start-up: the first request leaves within milliseconds); the others as worker_threads.
 */
export async function runBench(opts: BenchOptions, hooks: BenchHooks = {}): Promise<BenchResult> {
  const o = resolveOptions(opts);
  await checkReachable(o);
  const startedAt = new Date();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let firstRequestMs = -1;
  const onFirst = () => {
    if (firstRequestMs < 0) firstRequestMs = performance.now() - t0;
  };
  const progress = new Map<number, { requests: number; errors: number }>();
  const report = (thread: number, p: { requests: number; errors: number }) => {
    progress.set(thread, p);
    let requests = 0;
    let errors = 0;
    for (const v of progress.values()) {
      requests += v.requests;
      errors += v.errors;
    }
    hooks.onProgress?.({ elapsedMs: performance.now() - t0, requests, errors });
  };
  const specs = splitWork(o);
  // Thread 1 is the calling thread itself: it sends while the workers start (a worker costs
  // 50-300 ms to boot on a busy 2-core machine; the first request must leave within 300 ms).
  const threads: ThreadHandle[] = specs.map((spec, i) =>
    i === 0
      ? runThread(spec, { onProgress: (p) => report(i, p), onFirstSend: onFirst })
      : startWorker(spec, (p) => report(i, p), onFirst),
  );
  const stopAll = () => {
    for (const t of threads) t.stop();
  };
  if (hooks.signal?.aborted) stopAll();
  hooks.signal?.addEventListener('abort', stopAll, { once: true });
  try {
    const snapshots = await Promise.all(threads.map((t) => t.done)).catch((e: unknown) => {
      stopAll(); // one thread failed: do not leave the others running to the end
      throw e;
    });
    return buildResult(mergeSnapshots(snapshots), o, {
      startedAt,
      cpu: process.cpuUsage(cpu0),
      wallMs: performance.now() - t0,
      firstRequestMs,
      cores: availableParallelism(),
    });
  } finally {
    hooks.signal?.removeEventListener('abort', stopAll);
  }
}

/** Virtual users spread evenly; rate and count follow the users (a thread with 3 of 10 gets 30%). */
export function splitWork(o: ResolvedOptions): EngineSpec[] {
  const specs: EngineSpec[] = [];
  let countLeft = o.count;
  for (let i = 0; i < o.threads; i++) {
    const users = Math.floor(o.connections / o.threads) + (i < o.connections % o.threads ? 1 : 0);
    const spec: EngineSpec = { opts: o, users, seed: (o.seed + i * 0x9e3779b9) >>> 0 };
    if (o.rate !== undefined) spec.rate = (o.rate * users) / o.connections;
    if (countLeft !== undefined) {
      const share = i === o.threads - 1 ? countLeft : Math.round((o.count! * users) / o.connections);
      spec.count = Math.min(share, countLeft);
      countLeft -= spec.count;
    }
    specs.push(spec);
  }
  return specs;
}

function startWorker(
  spec: EngineSpec,
  onProgress: (p: { requests: number; errors: number }) => void,
  onFirst: () => void,
): ThreadHandle {
  // Production runs dist/bench/worker.js; under tsx (tests) the sources are .ts, and Node 20
  // ignores `--import tsx` in a worker's execArgv, so a tiny bootstrap registers tsx first.
  const fromTs = import.meta.url.endsWith('.ts');
  const url = new URL(fromTs ? './worker.ts' : './worker.js', import.meta.url);
  const worker = fromTs
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: { spec } },
      )
    : new Worker(url, { workerData: { spec } });
  let stopped = false;
  const done = new Promise<RecorderSnapshot>((resolve, reject) => {
    worker.on(
      'message',
      (m: { type: string; snapshot?: RecorderSnapshot; requests?: number; errors?: number }) => {
        if (m.type === 'progress') onProgress({ requests: m.requests!, errors: m.errors! });
        else if (m.type === 'first') onFirst();
        else if (m.type === 'done') {
          resolve(m.snapshot!);
          void worker.terminate();
        }
      },
    );
    worker.on('error', (e) =>
      reject(new FkError('E_INTERNAL', `bench worker failed: ${e.message}`, { cause: e })),
    );
    worker.on('exit', (code) =>
      reject(new FkError('E_INTERNAL', `bench worker exited (code ${code}) without a result`)),
    );
  });
  return {
    done,
    stop: () => {
      if (!stopped) worker.postMessage('stop');
      stopped = true;
    },
  };
}

/**
 * Fails fast with E_UNREACHABLE (nothing listens) or E_TLS (an https:// origin whose handshake
 * fails: a certificate this machine cannot verify, plain HTTP on that port) rather than a run
 * full of 'refused' or 'tls' errors.
 */
async function checkReachable(o: ResolvedOptions): Promise<void> {
  const origins = new Map<string, Origin>();
  for (const r of [...o.requests, ...(o.login ? [o.login] : [])]) origins.set(r.url.origin.key, r.url.origin);
  const timeoutMs = Math.min(o.timeoutMs, 5000);
  await Promise.all(
    [...origins.values()].map(
      (origin) =>
        new Promise<void>((resolve, reject) => {
          const sock: Socket = origin.tls
            ? tlsConnect(tlsConnectOptions(origin, o.insecure, undefined))
            : connect({ host: origin.host, port: origin.port });
          const fail = (e: FkError) => {
            sock.destroy();
            reject(e);
          };
          sock.setTimeout(timeoutMs, () =>
            fail(
              new FkError(
                'E_UNREACHABLE',
                `cannot connect to ${origin.key}: no answer within ${timeoutMs} ms`,
              ),
            ),
          );
          sock.once('error', (e: NodeJS.ErrnoException) =>
            fail(
              isTlsError(e)
                ? new FkError('E_TLS', describeTlsError(e, origin.key))
                : new FkError('E_UNREACHABLE', `cannot connect to ${origin.key}: ${e.code ?? e.message}`),
            ),
          );
          sock.once(origin.tls ? 'secureConnect' : 'connect', () => {
            sock.destroy();
            resolve();
          });
        }),
    ),
  );
}
