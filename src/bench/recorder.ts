import { Histogram, type SerializedHistogram } from './histogram.js';
import type { ParsedResponse } from './http-parser.js';
import { parseServerTiming } from './server-timing.js';
import type { Exchange } from './transport.js';
import { CLASS_NAMES, CLS_LOGIN, CLS_URL } from './url-class.js';

/**
 * Counts and histograms of one thread, with the warm-up excluded: a response counts only when its
 * request was due (intendedAt) at or after `measureFrom`. A snapshot is plain data that crosses
 * worker threads and merges exactly (counts add, histograms add bucket by bucket).
 */
export interface RecorderSnapshot {
  /** Measured window in µs of this thread's clock (its length is what matters). */
  windowUs: number;
  requests: number;
  pageViews: number;
  pageViewsFailed: number;
  bytes: number;
  /** Responses and errors including warm-up and logins: the CPU-per-request denominator. */
  allResponses: number;
  logins: { ok: number; failed: number };
  /** Requests a stale keep-alive connection lost, sent again on a new one (not errors). */
  retriedOnStaleConnection: number;
  /** https: TLS handshake times (µs, TCP connect excluded) and how many resumed a session. */
  tlsHandshake: SerializedHistogram;
  tlsResumed: number;
  statusCodes: Record<string, number>;
  errors: Record<string, number>;
  serverTiming: Record<string, { count: number; sumMs: number }>;
  latency: SerializedHistogram;
  latencyUncorrected: SerializedHistogram;
  pageLoad: SerializedHistogram;
  classes: Record<string, SerializedHistogram>;
  /** Event-loop utilization of each thread over the run (0..1); filled by the thread runner. */
  elu: number[];
  /** Share of a core each thread used over its run (CPU s / wall s; -1 when unknown). */
  threadCpu: number[];
}

export class Recorder {
  measureFrom = 0;
  requests = 0;
  pageViews = 0;
  pageViewsFailed = 0;
  bytes = 0;
  allResponses = 0;
  allErrors = 0;
  loginsOk = 0;
  loginsFailed = 0;
  retriedOnStale = 0;
  tlsResumed = 0;
  readonly tlsHandshake = new Histogram();
  readonly latency = new Histogram();
  readonly uncorrected = new Histogram();
  readonly pageLoad = new Histogram();
  readonly classes = CLASS_NAMES.map(() => new Histogram());
  /** Counts by status code 0..999: an array index, not a Map lookup, per response. */
  private readonly status = new Float64Array(1000);
  private readonly errors = new Map<string, number>();
  private readonly timing = new Map<string, { count: number; sumMs: number }>();

  response(x: Exchange, res: ParsedResponse, now: number): void {
    this.allResponses += 1;
    if (x.cls === CLS_LOGIN) {
      if (res.status < 400) this.loginsOk += 1;
      else this.loginsFailed += 1;
      return;
    }
    if (x.intendedAt < this.measureFrom) return;
    this.requests += 1;
    this.bytes += res.bytes;
    const us = now - x.intendedAt;
    this.latency.record(us);
    this.uncorrected.record(now - x.sentAt);
    // Without --page every request is class 'url' and its histogram is `latency`: not kept twice.
    if (x.cls !== CLS_URL) this.classes[x.cls]!.record(us);
    this.status[res.status]! += 1;
    if (res.serverTiming !== null) parseServerTiming(res.serverTiming, this.timing);
  }

  error(x: Exchange | null, kind: string): void {
    this.allErrors += 1;
    if (x !== null && x.cls === CLS_LOGIN) {
      this.loginsFailed += 1;
      return;
    }
    if (x !== null && x.intendedAt < this.measureFrom) return;
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  retried(x: Exchange): void {
    if (x.intendedAt >= this.measureFrom) this.retriedOnStale += 1;
  }

  handshake(us: number, resumed: boolean, now: number): void {
    if (now < this.measureFrom) return;
    this.tlsHandshake.record(us);
    if (resumed) this.tlsResumed += 1;
  }

  page(intendedAt: number, now: number, ok: boolean): void {
    if (intendedAt < this.measureFrom) return;
    if (!ok) {
      this.pageViewsFailed += 1;
      return;
    }
    this.pageViews += 1;
    this.pageLoad.record(now - intendedAt);
  }

  snapshot(windowUs: number): RecorderSnapshot {
    const classes: Record<string, SerializedHistogram> = {};
    this.classes.forEach((h, i) => {
      if (h.count > 0) classes[CLASS_NAMES[i]!] = h.toJSON();
    });
    if (this.requests > 0 && Object.keys(classes).length === 0) classes.url = this.latency.toJSON();
    return {
      windowUs,
      requests: this.requests,
      pageViews: this.pageViews,
      pageViewsFailed: this.pageViewsFailed,
      bytes: this.bytes,
      allResponses: this.allResponses + this.allErrors,
      logins: { ok: this.loginsOk, failed: this.loginsFailed },
      retriedOnStaleConnection: this.retriedOnStale,
      tlsHandshake: this.tlsHandshake.toJSON(),
      tlsResumed: this.tlsResumed,
      statusCodes: statusCounts(this.status),
      errors: Object.fromEntries(this.errors),
      serverTiming: Object.fromEntries([...this.timing].map(([k, v]) => [k, { ...v }])),
      latency: this.latency.toJSON(),
      latencyUncorrected: this.uncorrected.toJSON(),
      pageLoad: this.pageLoad.toJSON(),
      classes,
      elu: [],
      threadCpu: [],
    };
  }
}

function statusCounts(a: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  a.forEach((n, code) => {
    if (n > 0) out[String(code)] = n;
  });
  return out;
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function maxEach(a: number[], b: number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) =>
    Math.max(a[i] ?? Number.NEGATIVE_INFINITY, b[i] ?? Number.NEGATIVE_INFINITY),
  );
}

function mergeHist(a: SerializedHistogram, b: SerializedHistogram): SerializedHistogram {
  return Histogram.fromJSON(a).merge(Histogram.fromJSON(b)).toJSON();
}

/**
 * Exact merge of threads (or of runs). Threads run side by side: the window is the longest one;
 * `sequential` runs (--repeat) follow each other: their windows add up.
 */
export function mergeSnapshots(all: RecorderSnapshot[], sequential = false): RecorderSnapshot {
  const [first, ...rest] = all;
  if (first === undefined) throw new RangeError('nothing to merge');
  let m: RecorderSnapshot = structuredClone(first);
  for (const s of rest) {
    const timing = { ...m.serverTiming };
    for (const [k, v] of Object.entries(s.serverTiming)) {
      const t = timing[k] ?? { count: 0, sumMs: 0 };
      timing[k] = { count: t.count + v.count, sumMs: t.sumMs + v.sumMs };
    }
    const classes = { ...m.classes };
    for (const [k, v] of Object.entries(s.classes)) classes[k] = classes[k] ? mergeHist(classes[k], v) : v;
    m = {
      windowUs: sequential ? m.windowUs + s.windowUs : Math.max(m.windowUs, s.windowUs),
      requests: m.requests + s.requests,
      pageViews: m.pageViews + s.pageViews,
      pageViewsFailed: m.pageViewsFailed + s.pageViewsFailed,
      bytes: m.bytes + s.bytes,
      allResponses: m.allResponses + s.allResponses,
      logins: { ok: m.logins.ok + s.logins.ok, failed: m.logins.failed + s.logins.failed },
      retriedOnStaleConnection: m.retriedOnStaleConnection + s.retriedOnStaleConnection,
      tlsHandshake: mergeHist(m.tlsHandshake, s.tlsHandshake),
      tlsResumed: m.tlsResumed + s.tlsResumed,
      statusCodes: addCounts(m.statusCodes, s.statusCodes),
      errors: addCounts(m.errors, s.errors),
      serverTiming: timing,
      latency: mergeHist(m.latency, s.latency),
      latencyUncorrected: mergeHist(m.latencyUncorrected, s.latencyUncorrected),
      pageLoad: mergeHist(m.pageLoad, s.pageLoad),
      classes,
      // Runs of one thread each after the other: the busiest run of each thread is what the
      // generator's self-check must see.
      elu: sequential ? maxEach(m.elu, s.elu) : [...m.elu, ...s.elu],
      threadCpu: sequential ? maxEach(m.threadCpu, s.threadCpu) : [...m.threadCpu, ...s.threadCpu],
    };
  }
  return m;
}
