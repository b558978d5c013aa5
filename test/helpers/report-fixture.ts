/**
 * Constructed reports and bench results for the renderer and diagnosis tests: realistic shapes,
 * figures chosen to exercise every column (a skipped and a failed run, a hostile stage title).
 */
import type { BenchResultCore, LatencySummary } from '../../src/bench/api.js';
import type {
  BenchSummary,
  CpuBreakdown,
  LadderReport,
  StageRunReport,
} from '../../src/report/report-types.js';

export function latency(p50: number, p99 = p50 * 4): LatencySummary {
  return {
    count: 1000,
    min: p50 / 4,
    mean: p50 * 1.2,
    stdev: p50 / 2,
    p50,
    p90: p50 * 2,
    p99,
    p999: p99 * 2,
    max: p99 * 3,
  };
}

/** A browser-mode result: `pvs` page views/s, `assetsPerPage` assets each, over `durationS`. */
export function benchCore(
  pvs: number,
  opts: {
    assetsPerPage?: number;
    durationS?: number;
    serverTiming?: BenchResultCore['serverTiming'];
    errors?: number;
    generatorSaturated?: boolean;
  } = {},
): BenchResultCore {
  const durationS = opts.durationS ?? 10;
  const per = opts.assetsPerPage ?? 19;
  const pageViews = Math.round(pvs * durationS);
  const assets = pageViews * per;
  const requests = pageViews + assets;
  return {
    schemaVersion: 1,
    startedAt: '2026-11-27T14:00:00.000Z',
    durationS,
    totals: {
      requests,
      pageViews,
      bytes: requests * 3000,
      errors: opts.errors ?? 0,
      retriedOnStaleConnection: 0,
    },
    rates: {
      requestsPerS: requests / durationS,
      pageViewsPerS: pvs,
      bytesPerS: (requests * 3000) / durationS,
    },
    latency: latency(800),
    pageLoad: latency(Math.round(1e6 / Math.max(pvs, 1))),
    classes: {
      page: { requests: pageViews, latency: latency(900) },
      asset: { requests: assets, latency: latency(400) },
    },
    statusCodes: { '200': requests },
    errors: opts.errors ? { timeout: opts.errors } : {},
    serverTiming: opts.serverTiming ?? {
      session: { count: pageViews, meanMs: 0.05 },
      db: { count: pageViews, meanMs: 0.08 },
      render: { count: pageViews, meanMs: 0.1 },
    },
    generator: {
      threads: 2,
      cpuUserS: 3,
      cpuSystemS: 2,
      cpuPerRequestUs: 25,
      saturated: opts.generatorSaturated ?? false,
      warnings: [],
    },
  };
}

export function summary(core: BenchResultCore, connections = 16): BenchSummary {
  const { schemaVersion: _v, startedAt: _s, ...rest } = core;
  return { ...rest, connections };
}

export function cpu(
  roles: Record<string, number>,
  o: {
    generator?: number;
    other?: number;
    forks?: number;
    windowS?: number;
    cores?: number;
    /** Distinct PIDs seen per role (default 1: a long-running process). */
    pids?: Record<string, number>;
  } = {},
): CpuBreakdown {
  const windowS = o.windowS ?? 10;
  const list = Object.entries(roles).map(([role, cores]) => ({
    role,
    cores,
    cpuS: cores * windowS,
    pids: o.pids?.[role] ?? 1,
  }));
  const stage = list.reduce((s, r) => s + r.cores, 0);
  const generatorCores = o.generator ?? 0.3;
  const otherCores = o.other ?? 0.02;
  const machineBusyCores = stage + generatorCores + otherCores;
  const cores = o.cores ?? 2;
  return {
    windowS,
    cores,
    roles: list,
    generatorCores,
    otherCores,
    machineBusyCores,
    perCoreBusy: Array(cores).fill(Math.min(1, machineBusyCores / cores)),
    forks: o.forks ?? 3,
  };
}

function okRun(id: string, label: string, pvs: number, extra: Partial<StageRunReport> = {}): StageRunReport {
  const core = benchCore(pvs);
  return {
    id,
    stage: id.replace('-noindex', ''),
    label,
    title: id,
    summary: `the ${id} topology`,
    status: 'ok',
    bench: summary(core),
    cpu: cpu({ 'app-1': 0.9, nginx: 0.2 }),
    cpuPerPageViewMs: 1.5,
    staticShare: 0.95,
    diagnosis: { bottleneck: 'app-cpu', text: 'The app processes use the CPU.', evidence: ['a', 'b'] },
    ...extra,
  };
}

export function sampleReport(): LadderReport {
  return {
    schemaVersion: 1,
    kind: 'flickr-killr-ladder',
    startedAt: '2026-11-27T14:00:00.000Z',
    finishedAt: '2026-11-27T14:04:00.000Z',
    interrupted: false,
    options: {
      quick: true,
      dbPath: 'data/quick.db',
      users: 500,
      connections: 8,
      durationMs: 2000,
      warmupMs: 500,
      runs: ['cgi', 'single', 'nginx', 'memcached', 'cluster', 'memcached-noindex'],
    },
    machine: {
      cores: 2,
      cpuModel: 'Test CPU <b>',
      memoryBytes: 8 * 2 ** 30,
      os: 'Linux 6.1',
      node: '20.20.2',
      versions: { nginx: '1.22.1', memcached: '1.6.18' },
      generatorSharesMachine: true,
    },
    runs: [
      okRun('cgi', 'cgi', 3.2, {
        talkRequestsPerS: 23,
        talkVersion: '0.1',
        title: '<script>alert(1)</script>',
      }),
      okRun('single', 'single', 120, {
        talkRequestsPerS: 139,
        talkVersion: '0.2',
        baseline: 'cgi',
        speedup: 37.5,
        talkSpeedup: 139 / 23,
      }),
      okRun('nginx', 'nginx', 180, {
        talkRequestsPerS: 217,
        talkVersion: '0.3',
        baseline: 'single',
        speedup: 1.5,
        talkSpeedup: 217 / 139,
      }),
      okRun('memcached', 'memcached', 400, {
        talkRequestsPerS: 616,
        talkVersion: '0.4',
        baseline: 'nginx',
        speedup: 2.2,
        talkSpeedup: 616 / 217,
      }),
      {
        id: 'cluster',
        stage: 'cluster',
        label: 'cluster',
        title: 'cluster',
        summary: '',
        status: 'failed',
        reason: 'app-1 exited during start-up: <boom> [E_PROCESS_EXITED]',
      },
      {
        id: 'proxy-cache',
        stage: 'proxy-cache',
        label: 'proxy-cache',
        title: 'proxy-cache',
        summary: '',
        status: 'skipped',
        reason: 'missing varnishd',
        install: ['apt-get install varnish'],
      },
      okRun('memcached-noindex', 'memcached, no index', 20, {
        variant: 'no-index',
        talkRequestsPerS: 28,
        talkVersion: '0.4',
        baseline: 'memcached',
        speedup: 0.05,
        talkSpeedup: 28 / 616,
      }),
    ],
  };
}

/** The sample ladder ending with a fleet rung: hosts against their quotas and a short scale-out. */
export function sampleReportWithFleet(): LadderReport {
  const r = sampleReport();
  r.runs.push(
    okRun('fleet', 'fleet <lab>', 260, {
      baseline: 'memcached',
      speedup: 0.65,
      hosts: [
        { name: 'lb', roles: ['lb'], usedCores: 0.3, quotaCores: 0.75 },
        { name: 'app1', roles: ['app'], usedCores: 0.2, quotaCores: 0.25 },
        { name: 'app2', roles: ['app'], usedCores: 0.19, quotaCores: 0.25 },
        { name: 'db', roles: ['db'], usedCores: 0.05, quotaCores: 0.5 },
      ],
      scaleOut: {
        sizes: [
          { size: 1, sustainableRate: 44, probes: 4, saturated: ['app1'] },
          { size: 2, sustainableRate: 83, probes: 4, saturated: [] },
        ],
        efficiency: 0.943,
        stopReason: 'every size measured',
        probeMs: 2000,
        warmupMs: 1000,
        maxProbes: 4,
        tolerance: 0.15,
        slo: 'load.p99<200ms,errors<0.1%',
      },
      diagnosis: { bottleneck: 'not-saturated', text: 'No host at its quota.', evidence: ['app1 81 %'] },
    }),
  );
  return r;
}
