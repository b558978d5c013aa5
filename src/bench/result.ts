import { FkError } from '../errors.js';
import { VERSION } from '../version.js';
import type { BenchResultCore, LatencySummary } from './api.js';
import { Histogram, type SerializedHistogram } from './histogram.js';
import type { ResolvedOptions } from './options.js';
import type { RecorderSnapshot } from './recorder.js';
import type { RepeatSummary } from './repeat.js';
import type { ThresholdResult } from './thresholds.js';

/**
 * The versioned result document (schemas/bench-result.schema.json): the summary the ladder reads
 * (BenchResultCore) plus the raw histograms and counts, so that results of separate runs or
 * machines can be merged exactly (snapshotOf → mergeSnapshots → buildResult), as autocannon and
 * oha keep theirs.
 */
export interface BenchResult extends BenchResultCore {
  tool: { name: 'flickr-killr bench'; version: string };
  options: {
    urls: string[];
    mode: 'closed' | 'open';
    page: boolean;
    connections: number;
    threads: number;
    pipelining: number;
    rate: number | null;
    durationMs: number | null;
    count: number | null;
    warmupMs: number;
    timeoutMs: number;
    login: boolean;
    cache: boolean;
    insecure: boolean;
  };
  /** Open loop: latency from the actual send, i.e. without the coordinated-omission correction. */
  latencyUncorrected: LatencySummary;
  /** Page views that lost the page or an asset to a transport error (not in pageViews). */
  pageViewsFailed: number;
  logins: { ok: number; failed: number };
  histograms: {
    latency: SerializedHistogram;
    latencyUncorrected: SerializedHistogram;
    pageLoad: SerializedHistogram;
    classes: Record<string, SerializedHistogram>;
    tlsHandshake: SerializedHistogram;
  };
  /** --expect: each check with the value measured (added by the CLI after the run). */
  thresholds?: ThresholdResult[];
  /** --repeat N: the spread of the headline figures and every run; the rest is all runs merged. */
  repeat?: RepeatSummary;
  generator: BenchResultCore['generator'] & {
    /** Event-loop utilization of each thread (0..1). */
    elu: number[];
    /** Share of one core each thread used (CPU seconds / wall seconds; -1 when unknown). */
    threadCpu: number[];
    /** Milliseconds from runBench() to the first request leaving. */
    firstRequestMs: number;
    /** Responses and errors including warm-up and logins: the CPU-per-request denominator. */
    allResponses: number;
  };
}

export interface RunMeta {
  startedAt: Date;
  cpu: NodeJS.CpuUsage;
  wallMs: number;
  firstRequestMs: number;
  cores: number;
}

/** Thresholds of the self-check: 90% of a thread's event loop, or of the CPU it could have had. */
const SATURATED = 0.9;

export function buildResult(s: RecorderSnapshot, o: ResolvedOptions, meta: RunMeta): BenchResult {
  const durationS = s.windowUs / 1e6;
  const per = (n: number) => (durationS > 0 ? round(n / durationS, 1) : 0);
  const h = (x: SerializedHistogram) => Histogram.fromJSON(x).summary();
  const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
  const cpuUs = meta.cpu.user + meta.cpu.system;
  const warnings: string[] = [];
  let saturated = false;
  s.elu.forEach((u, i) => {
    const core = s.threadCpu[i] ?? -1;
    if (u >= SATURATED || core >= SATURATED) {
      saturated = true;
      const used = core >= 0 ? `, ${Math.round(core * 100)}% of a core` : '';
      warnings.push(
        `thread ${i + 1}'s event loop was ${Math.round(u * 100)}% busy${used}: the generator, not the server, may have set the pace (add --threads, or run it on another core)`,
      );
    }
  });
  const cpuShare = meta.wallMs > 0 ? cpuUs / 1000 / meta.wallMs / Math.min(o.threads, meta.cores) : 0;
  if (!saturated && cpuShare >= SATURATED) {
    saturated = true;
    warnings.push(
      `the generator used ${Math.round(cpuShare * 100)}% of the CPU it had: it may be the bottleneck`,
    );
  }
  const units = o.page ? s.pageViews : s.requests;
  if (o.rate !== undefined && durationS > 0 && o.count === undefined && units / durationS < 0.95 * o.rate)
    warnings.push(
      `asked for ${o.rate}/s but ${Math.round(units / durationS)}/s completed: the server (or the generator) could not keep up; latency counts from the intended send time`,
    );
  if (s.logins.failed > 0) warnings.push(`${s.logins.failed} login request(s) failed`);
  if (s.windowUs === 0)
    warnings.push('the run ended before anything was measured (was the warm-up longer than the run?)');
  const classes: BenchResultCore['classes'] = {};
  for (const [k, v] of Object.entries(s.classes)) classes[k] = { requests: v.count, latency: h(v) };
  const serverTiming: BenchResultCore['serverTiming'] = {};
  for (const [k, v] of Object.entries(s.serverTiming))
    serverTiming[k] = { count: v.count, meanMs: round(v.count > 0 ? v.sumMs / v.count : 0, 3) };
  return {
    schemaVersion: 1,
    tool: { name: 'flickr-killr bench', version: VERSION },
    startedAt: meta.startedAt.toISOString(),
    options: {
      urls: o.requests.map((r) => (r.method === 'GET' ? r.url.text : `${r.method} ${r.url.text}`)),
      mode: o.rate === undefined ? 'closed' : 'open',
      page: o.page,
      connections: o.connections,
      threads: o.threads,
      pipelining: o.pipelining,
      rate: o.rate ?? null,
      durationMs: o.durationMs ?? null,
      count: o.count ?? null,
      warmupMs: o.warmupMs,
      timeoutMs: o.timeoutMs,
      login: o.login !== undefined,
      cache: o.cache,
      insecure: o.insecure,
    },
    durationS: round(durationS, 6),
    totals: {
      requests: s.requests,
      pageViews: s.pageViews,
      bytes: s.bytes,
      errors,
      retriedOnStaleConnection: s.retriedOnStaleConnection,
    },
    rates: { requestsPerS: per(s.requests), pageViewsPerS: per(s.pageViews), bytesPerS: per(s.bytes) },
    latency: h(s.latency),
    latencyUncorrected: h(s.latencyUncorrected),
    ...(o.page ? { pageLoad: h(s.pageLoad) } : {}),
    pageViewsFailed: s.pageViewsFailed,
    logins: s.logins,
    classes,
    statusCodes: s.statusCodes,
    ...(o.requests.some((r) => r.url.origin.tls) || o.login?.url.origin.tls
      ? {
          tls: {
            handshakes: s.tlsHandshake.count,
            resumed: s.tlsResumed,
            handshake: h(s.tlsHandshake),
          },
        }
      : {}),
    errors: s.errors,
    serverTiming,
    histograms: {
      latency: s.latency,
      latencyUncorrected: s.latencyUncorrected,
      pageLoad: s.pageLoad,
      classes: s.classes,
      tlsHandshake: s.tlsHandshake,
    },
    generator: {
      threads: o.threads,
      cpuUserS: round(meta.cpu.user / 1e6, 6),
      cpuSystemS: round(meta.cpu.system / 1e6, 6),
      cpuPerRequestUs: s.allResponses > 0 ? round(cpuUs / s.allResponses, 2) : 0,
      saturated,
      warnings,
      elu: s.elu.map((u) => round(u, 4)),
      threadCpu: s.threadCpu.map((u) => round(u, 3)),
      firstRequestMs: round(meta.firstRequestMs, 1),
      allResponses: s.allResponses,
    },
  };
}

/** The mergeable part of a result (to combine runs: mergeSnapshots([snapshotOf(a), snapshotOf(b)])). */
export function snapshotOf(r: BenchResult): RecorderSnapshot {
  return {
    windowUs: Math.round(r.durationS * 1e6),
    requests: r.totals.requests,
    pageViews: r.totals.pageViews,
    pageViewsFailed: r.pageViewsFailed,
    bytes: r.totals.bytes,
    allResponses: r.generator.allResponses,
    logins: r.logins,
    // Results written before these existed (0.1.0 without HTTPS and retries) read as none.
    retriedOnStaleConnection: r.totals.retriedOnStaleConnection ?? 0,
    tlsHandshake: r.histograms.tlsHandshake ?? new Histogram().toJSON(),
    tlsResumed: r.tls?.resumed ?? 0,
    statusCodes: r.statusCodes,
    errors: r.errors,
    serverTiming: Object.fromEntries(
      Object.entries(r.serverTiming).map(([k, v]) => [k, { count: v.count, sumMs: v.meanMs * v.count }]),
    ),
    latency: r.histograms.latency,
    latencyUncorrected: r.histograms.latencyUncorrected,
    pageLoad: r.histograms.pageLoad,
    classes: r.histograms.classes,
    elu: r.generator.elu,
    threadCpu: r.generator.threadCpu ?? [],
  };
}

/** Parses a result file's text; anything that is not a version-1 result is E_BAD_RESULT. */
export function parseResult(text: string, name: string): BenchResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FkError('E_BAD_RESULT', `${name} is not JSON`);
  }
  const r = doc as Partial<BenchResult> | null;
  if (r === null || typeof r !== 'object' || r.schemaVersion !== 1 || r.tool?.name !== 'flickr-killr bench')
    throw new FkError('E_BAD_RESULT', `${name} is not a flickr-killr bench result (schemaVersion 1)`);
  if (typeof r.rates?.requestsPerS !== 'number' || typeof r.latency?.p50 !== 'number')
    throw new FkError('E_BAD_RESULT', `${name} lacks rates or latency`);
  return r as BenchResult;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
