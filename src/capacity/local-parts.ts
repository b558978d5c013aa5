/**
 * A local stage's /proc CPU (the ladder's sampler, per process role) in capacity's terms: which
 * parts grow with the size (app processes) and which every request shares (nginx, Redis,
 * memcached, PostgreSQL — and the machine itself, which the load generator shares too), each
 * against what it can use. Pure: CpuBreakdown in, parts out.
 */
import type { PartRole, PartUsage } from '../report/capacity-types.js';
import type { CpuBreakdown } from '../report/report-types.js';
import type { CpuReading } from './target.js';

/** memcached's default worker threads (`-t`, memcached(1)): it can use up to that many cores. */
const MEMCACHED_THREADS = 4;

/** The part that is everything on the machine but the stack and the generator. */
export const OTHER_PROCESSES = 'other processes';

interface Kind {
  part: string;
  role: PartRole;
  shared: boolean;
  /** Cores it can use, given the machine's cores and the size. */
  budget: (cores: number, size: number) => number;
}

/**
 * App processes are single-threaded Node (one core each, at most the machine's); nginx runs one
 * worker (stages/common/proxied-stage.ts), Redis one thread: one core each. CGI scripts are app
 * processes that live one request (lighttpd/children).
 */
export function kindOf(role: string): Kind {
  if (
    /^(app|cluster-worker)-\d+$/.test(role) ||
    role === 'cluster-primary' ||
    /^lighttpd\/children/.test(role)
  )
    return { part: 'app processes', role: 'app', shared: false, budget: (c, n) => Math.min(c, n) };
  if (/^(nginx|lighttpd)/.test(role)) return { part: front(role), role: 'lb', shared: true, budget: () => 1 };
  if (/^redis/.test(role)) return { part: 'redis', role: 'sessions', shared: true, budget: () => 1 };
  if (/^memcached/.test(role))
    return { part: 'memcached', role: 'cache', shared: true, budget: (c) => Math.min(c, MEMCACHED_THREADS) };
  if (/^postgres/.test(role)) return { part: 'postgres', role: 'db', shared: true, budget: (c) => c };
  return { part: role, role: 'other', shared: true, budget: (c) => c };
}

const front = (role: string) => (role.startsWith('lighttpd') ? 'lighttpd' : 'nginx');

export function localParts(c: CpuBreakdown, size: number): CpuReading {
  const byPart = new Map<string, PartUsage>();
  for (const r of c.roles) {
    const k = kindOf(r.role);
    const p = byPart.get(k.part) ?? {
      name: k.part,
      role: k.role,
      shared: k.shared,
      usedCores: 0,
      budgetCores: k.budget(c.cores, size),
    };
    p.usedCores += r.cores;
    byPart.set(k.part, p);
  }
  const parts = [...byPart.values()].map((p) => ({ ...p, usedCores: round3(p.usedCores) }));
  // Not ours: other users of a shared box. Not a part of the stack (never "the first to saturate"),
  // but when it is large the rates measured are lower than the machine gives when quiet.
  parts.push({
    name: OTHER_PROCESSES,
    role: 'other',
    shared: false,
    usedCores: round3(c.otherCores),
    budgetCores: c.cores,
  });
  // The machine: everything on it, the generator included — on one box, its limit is everyone's.
  parts.push({
    name: 'machine',
    role: 'machine',
    shared: true,
    usedCores: round3(c.machineBusyCores),
    budgetCores: c.cores,
  });
  return { parts, generatorCores: round3(c.generatorCores) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
