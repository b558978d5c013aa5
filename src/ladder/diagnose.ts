/**
 * The talk's "What's wrong with this picture?", answered from data. A pure function of one run's
 * measurements: the bench result (rates, Server-Timing, static share, the generator's own CPU) and
 * /proc CPU per role of the stack. Each verdict names the limit and lists the figures behind it;
 * when the figures do not single one out, it says so ('inconclusive') rather than guess.
 */
import type { BenchSummary, BottleneckCode, CpuBreakdown, Diagnosis } from '../report/report-types.js';

export interface Measurements {
  runId: string;
  variant?: 'no-index';
  bench: BenchSummary;
  cpu?: CpuBreakdown;
  /** What the topology says serves /static; data (Server-Timing on assets) overrides it. */
  staticFrom?: 'app' | 'front' | 'cache';
}

// Thresholds, in cores or shares. A core counts as "saturated" at 85 %: /proc sampling over a few
// seconds under-reads a pegged process by a few percent (scheduling, sampling edges).
const SATURATED = 0.85;
const NOISE_CORES = 0.5;

export type RoleKind = 'app' | 'front' | 'cache' | 'db';

/** App processes, CGI scripts (a role's /children), front servers, caches and session stores, the database server. */
export function roleKind(role: string): RoleKind {
  if (/^(memcached|redis)/.test(role)) return 'cache';
  if (/^postgres/.test(role)) return 'db';
  if (role.endsWith('/children') && !/^nginx/.test(role)) return 'app';
  if (/^(nginx|lighttpd|haproxy|varnish|proxy)/.test(role)) return 'front';
  return 'app';
}

/** Share of requests that were static assets (0..1); a result without classes counts pages only. */
export function staticShare(b: BenchSummary): number {
  const pages = b.classes.page?.requests ?? b.totals.pageViews;
  const assets = b.classes.asset?.requests ?? 0;
  return assets / Math.max(1, pages + assets);
}

const f1 = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));
const pct = (x: number) => `${Math.round(x * 100)} %`;

export function diagnose(m: Measurements, ignoreNoise = false): Diagnosis {
  const b = m.bench;
  const verdict = (bottleneck: BottleneckCode, text: string, evidence: string[]): Diagnosis => ({
    bottleneck,
    text,
    evidence,
  });
  if (b.totals.pageViews === 0 || b.totals.requests === 0) {
    return verdict('no-data', 'No page view completed: there is nothing to diagnose.', [
      `${b.totals.requests} requests, ${b.totals.errors} errors in ${f1(b.durationS)} s`,
    ]);
  }
  const ev: string[] = [
    `${f1(b.rates.pageViewsPerS)} page views/s, ${f1(b.rates.requestsPerS)} requests/s over ${f1(b.durationS)} s`,
  ];
  const errorShare = b.totals.errors / (b.totals.requests + b.totals.errors);
  if (errorShare >= 0.05) {
    const kinds = Object.entries(b.errors)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return verdict('errors', `The server fails under this load: ${pct(errorShare)} of requests failed.`, [
      ...ev,
      `errors: ${kinds || b.totals.errors}`,
    ]);
  }

  const pageReqs = b.classes.page?.requests ?? b.totals.pageViews;
  const assetReqs = b.classes.asset?.requests ?? 0;
  const share = staticShare(b);
  ev.push(`${pct(share)} of requests were static assets`);

  const st = b.serverTiming;
  const stMs = (k: string) => st[k]?.meanMs ?? 0;
  const handlerKeys = Object.keys(st).filter((k) => !/^(total|app)$/.test(k));
  const handlerMs = handlerKeys.reduce((s, k) => s + stMs(k), 0);
  if (handlerKeys.length > 0) {
    ev.push(`Server-Timing per page: ${handlerKeys.map((k) => `${k} ${f1(stMs(k))} ms`).join(', ')}`);
  }
  ev.push(
    `load generator: ${f1(b.generator.cpuPerRequestUs)} µs CPU per request${b.generator.saturated ? ', saturated' : ''}`,
  );

  const cpu = m.cpu;
  if (cpu === undefined) {
    return verdict(
      'inconclusive',
      'No CPU samples from /proc for this run: the bottleneck cannot be named.',
      ev,
    );
  }
  const cores = cpu.cores;
  const stageCores = cpu.roles.reduce((s, r) => s + r.cores, 0);
  const kindCores = (k: RoleKind) =>
    cpu.roles.filter((r) => roleKind(r.role) === k).reduce((s, r) => s + r.cores, 0);
  const appCores = kindCores('app');
  const busy = cpu.machineBusyCores >= SATURATED * cores;
  const frontCores = kindCores('front');
  ev.push(
    `CPU (cores of ${cores}): ${cpu.roles
      .filter((r) => r.cores >= 0.005)
      .map((r) => `${r.role} ${r.cores.toFixed(2)}`)
      .join(', ')}; generator ${cpu.generatorCores.toFixed(2)}; other ${cpu.otherCores.toFixed(2)}`,
  );
  ev.push(
    `machine busy: ${cpu.machineBusyCores.toFixed(2)} of ${cores} cores (per core: ${cpu.perCoreBusy.map(pct).join(', ')})`,
  );

  if (!ignoreNoise && cpu.otherCores >= NOISE_CORES && cpu.otherCores >= 0.25 * cores) {
    // Still say what the figures point to: a shared machine is the usual case, not the exception.
    const tentative = diagnose(m, true);
    return verdict(
      'noisy-machine',
      `Inconclusive: other processes used ${cpu.otherCores.toFixed(2)} cores during the run; re-run on a ` +
        `quiet machine. Tentatively: ${tentative.text}`,
      [...tentative.evidence, `tentative verdict: ${tentative.bottleneck}`],
    );
  }

  const appCpuMsPerPage = (appCores * cpu.windowS * 1000) / Math.max(1, pageReqs);
  const forksPerPage = cpu.forks / Math.max(1, pageReqs);
  // Forks are machine-wide (/proc/stat), so the stack's own churn must show too: PIDs come and go
  // in one of its roles. Server-Timing of a CGI script includes what it sets up per request (opening
  // the database, the session store), which is start-up cost as well (the talk: "database
  // connections, parsed page templates ... should live longer than one request").
  const churn = Math.max(0, ...cpu.roles.map((r) => r.pids));
  if (appCpuMsPerPage >= 5 && appCpuMsPerPage >= 2 * handlerMs && forksPerPage >= 0.5 && churn >= 3) {
    return verdict(
      'process-startup',
      `Process start-up per request: each dynamic page costs ${f1(appCpuMsPerPage)} ms of app CPU, ` +
        `the handler (with its per-request set-up) ${f1(handlerMs)} ms of it. Keep the process and its ` +
        "connections running (the talk's 0.2).",
      [
        ...ev,
        `${f1(forksPerPage)} tasks (processes and their threads) created per dynamic page (${cpu.forks} on the machine; ` +
          `${churn} distinct PIDs seen in one role)`,
      ],
    );
  }

  const dbMs = stMs('db');
  // With SQLite the query runs inside the app process: its Server-Timing is CPU, and only it can
  // single the database out. A database server of its own (PostgreSQL) is a role with its own CPU
  // — the talk's closing story is an RDBMS gone CPU-bound for want of an index — and the app's
  // "db" time is then wall time (a round trip, queueing on a busy event loop), a cause only when
  // nothing is short of CPU, like session time below.
  const dbCores = kindCores('db');
  const dbServer = cpu.roles.some((r) => roleKind(r.role) === 'db');
  const dbBound = dbCores >= SATURATED || (busy && dbCores >= 0.5 * stageCores);
  const dbDominant = handlerMs > 0 && dbMs >= 0.5 * handlerMs && dbMs >= 2;
  const noIndex =
    m.variant === 'no-index' ? ' The photos.user_id index is missing: every page scans photos.' : '';
  const dbTime = `Database time dominates: ${f1(dbMs)} ms of ${f1(handlerMs)} ms per page is the query.`;
  if (dbBound) {
    const head = dbDominant
      ? dbTime
      : `The database is the limit: the stack's CPU goes to the database server (${dbCores.toFixed(2)} of ${stageCores.toFixed(2)} cores).`;
    const server = dbDominant
      ? ` The database server uses ${dbCores.toFixed(2)} cores: the RDBMS is CPU-bound.`
      : '';
    return verdict('database', `${head}${noIndex}${server}`, ev);
  }
  if (dbDominant && !dbServer) return verdict('database', `${dbTime}${noIndex}`, ev);

  // One app process can use one core at most (Node's event loop, the talk's GIL). It is the limit
  // when it is pegged, or when the machine is full and it still holds most of its one core: the
  // other core then goes to the load generator, which shares the machine (a measured case: app-1
  // 0.84 cores, generator ~0.9, machine 92 % busy).
  const appRoles = cpu.roles.filter((r) => roleKind(r.role) === 'app' && r.cores >= 0.05);
  const top = [...cpu.roles].sort((a, b2) => b2.cores - a.cores)[0];
  if (
    appRoles.length === 1 &&
    top !== undefined &&
    top === appRoles[0] &&
    (top.cores >= SATURATED || (busy && top.cores >= 0.6)) &&
    top.cores <= 1.15 &&
    cores >= 2 &&
    stageCores <= cores - 0.5
  ) {
    const rest = (cores - stageCores).toFixed(2);
    const where =
      cpu.machineBusyCores < cores - 0.5
        ? `${rest} of ${cores} cores idle`
        : `${rest} of ${cores} cores to the load generator (${cpu.generatorCores.toFixed(2)}) and others`;
    return verdict(
      'one-core',
      `One process, one core: ${top.role} uses ${top.cores.toFixed(2)} cores, all a single process can ` +
        `(the talk's GIL), and the stack leaves ${where}. Run one process per core (the talk's 0.3).`,
      ev,
    );
  }

  const stResponses = Math.max(0, ...Object.values(st).map((v) => v.count));
  const total = pageReqs + assetReqs;
  // Data can prove the app served the assets (they carry its Server-Timing); otherwise the topology says.
  const staticFrom = stResponses >= 0.9 * total && assetReqs > 0 ? 'app' : m.staticFrom;
  // The app processes are where the CPU goes: one core's worth, or the largest share of a busy machine
  // (the same test as app-cpu below) — SATURATED alone is a one-process figure, and N app processes
  // sharing a machine with nginx and the generator each stay under it (seen: 2 × 0.42 on 2 cores).
  const appIsTheLoad = appCores >= SATURATED || (busy && appCores >= 0.4 * cores);
  if (share >= 0.5 && staticFrom === 'app' && appCores >= 0.5 * stageCores && appIsTheLoad) {
    return verdict(
      'static-in-app',
      `App processes are busy serving static files: ${pct(share)} of requests are assets and the app ` +
        `(${appCores.toFixed(2)} cores) answers them. Serve static files from nginx or memcached (the talk's 0.4).`,
      ev,
    );
  }

  if (b.generator.saturated || (busy && cpu.generatorCores >= stageCores)) {
    return verdict(
      'generator',
      `The load generator is the limit: it used ${cpu.generatorCores.toFixed(2)} cores against the stack's ` +
        `${stageCores.toFixed(2)}. The figure measures this machine, not the stack; drive it from another machine.`,
      ev,
    );
  }
  if (busy && appCores >= 0.5 * stageCores && appCores >= 0.4 * cores) {
    return verdict(
      'app-cpu',
      `The app processes use the CPU rendering pages (${appCores.toFixed(2)} cores; machine ` +
        `${pct(cpu.machineBusyCores / cores)} busy). Next: cache rendered output, or add a machine (share nothing).`,
      ev,
    );
  }
  // After the CPU checks: session time, and a database server's query time, are wall time (a
  // network round trip, event-loop queueing), a cause only when the app is not short of CPU.
  // On a busy machine a round trip is slow because everything is: the verdicts below say so.
  if (dbDominant && dbServer && !busy) {
    return verdict(
      'database',
      `${dbTime} The database server is not CPU-bound (${dbCores.toFixed(2)} cores): pages wait on ` +
        `its round trips.${noIndex}`,
      ev,
    );
  }
  const sessionMs = stMs('session');
  if (handlerMs > 0 && sessionMs >= 0.5 * handlerMs && sessionMs >= 1) {
    return verdict(
      'sessions',
      `Session look-ups dominate: ${f1(sessionMs)} ms of ${f1(handlerMs)} ms per page. Use a faster session store.`,
      ev,
    );
  }

  if (busy && frontCores >= 0.5 * stageCores) {
    return verdict(
      'front-proxy',
      `The front server is the busiest part of the stack (${frontCores.toFixed(2)} cores): ` +
        'it answers most requests itself, so the stack is near what one machine can do.',
      ev,
    );
  }
  if (cpu.machineBusyCores < 0.6 * cores) {
    return verdict(
      'not-saturated',
      `Nothing is saturated (machine ${pct(cpu.machineBusyCores / cores)} busy): requests wait on something ` +
        'other than CPU — round trips of the virtual users, a lock, a timeout.',
      ev,
    );
  }
  const spread = [...cpu.roles]
    .filter((r) => r.cores >= 0.05)
    .sort((a, b2) => b2.cores - a.cores)
    .slice(0, 4)
    .map((r) => `${r.role} ${r.cores.toFixed(2)}`)
    .join(', ');
  return verdict(
    'whole-machine',
    `No single part of the stack is the limit: the machine is busy and its CPU is spread (${spread}; ` +
      `load generator ${cpu.generatorCores.toFixed(2)}). The whole machine is the limit: the next step is another ` +
      'machine (share nothing).',
    ev,
  );
}
