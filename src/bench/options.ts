import { availableParallelism } from 'node:os';
import { type ErrorCode, FkError, isFkError } from '../errors.js';
import type { BenchOptions } from './api.js';
import { parseRequestDef, type RequestDef, readListFile } from './list-file.js';

/** BenchOptions checked once, defaults applied, then frozen: everything below trusts it. */
export interface ResolvedOptions {
  requests: RequestDef[];
  page: boolean;
  connections: number;
  threads: number;
  /** Measured duration (after warm-up); undefined when only a count bounds the run. */
  durationMs: number | undefined;
  count: number | undefined;
  warmupMs: number;
  timeoutMs: number;
  login: RequestDef | undefined;
  rate: number | undefined;
  pipelining: number;
  cache: boolean;
  maxBodyBytes: number;
  seed: number;
  insecure: boolean;
}

const DEFAULT_DURATION_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Browsers open at most 6 connections per origin (HTML Living Standard practice; Chrome, Firefox). */
export const BROWSER_CONNECTIONS = 6;

type Problem = { code: ErrorCode; message: string };

/** Validates everything and reports all problems together (vitest / k6 `Validate() []error` style). */
export function resolveOptions(o: BenchOptions): ResolvedOptions {
  const problems: Problem[] = [];
  const need = (ok: boolean, message: string, code: ErrorCode = 'E_USAGE') => {
    if (!ok) problems.push({ code, message });
  };
  const requests: RequestDef[] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!isFkError(e)) throw e;
      problems.push({ code: e.code, message: e.message });
    }
  };
  for (const u of o.urls) attempt(() => requests.push(parseRequestDef(u)));
  if (o.listFile !== undefined) attempt(() => requests.push(...readListFile(o.listFile!)));
  need(o.urls.length > 0 || o.listFile !== undefined, 'give at least one URL (or --list FILE)');

  const isInt = (x: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) =>
    x === undefined || (Number.isInteger(x) && x >= min && x <= max);
  need(isInt(o.connections, 1, 100_000), `connections must be 1..100000, got ${o.connections}`);
  need(isInt(o.threads, 1, 256), `threads must be 1..256, got ${o.threads}`);
  need(isInt(o.pipelining, 1, 1000), `pipelining must be 1..1000, got ${o.pipelining}`);
  need(isInt(o.count, 1), `count must be a positive integer, got ${o.count}`);
  need(isInt(o.durationMs, 1), `duration must be positive, got ${o.durationMs} ms`);
  need(isInt(o.warmupMs, 0), `warm-up must be >= 0, got ${o.warmupMs} ms`);
  need(isInt(o.timeoutMs, 1), `timeout must be positive, got ${o.timeoutMs} ms`);
  need(isInt(o.maxBodyBytes, 1), `maxBodyBytes must be positive, got ${o.maxBodyBytes}`);
  need(o.rate === undefined || (Number.isFinite(o.rate) && o.rate > 0), `rate must be > 0, got ${o.rate}`);
  need(
    !(o.page && (o.pipelining ?? 1) > 1),
    'browser mode (--page) does not pipeline: browsers never do; drop -p',
  );
  need(!(o.cache && !o.page), '--cache only applies to browser mode (--page)');

  let login: RequestDef | undefined;
  if (o.login !== undefined) attempt(() => (login = parseRequestDef(o.login!, requests[0]?.url.text)));

  if (problems.length > 0) {
    const first = problems.find((p) => p.code !== 'E_USAGE') ?? problems[0]!;
    throw new FkError(first.code, problems.map((p) => p.message).join('; '));
  }
  const connections = o.connections;
  // More threads than virtual users would leave threads idle; clamp rather than fail.
  const threads = Math.min(o.threads ?? availableParallelism(), connections);
  return Object.freeze({
    requests,
    page: o.page === true,
    connections,
    threads,
    durationMs: o.durationMs ?? (o.count === undefined ? DEFAULT_DURATION_MS : undefined),
    count: o.count,
    warmupMs: o.warmupMs ?? 0,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    login,
    rate: o.rate,
    pipelining: o.pipelining ?? 1,
    cache: o.cache === true,
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY,
    seed: o.seed ?? (Math.random() * 0xffff_ffff) >>> 0,
    insecure: o.insecure === true,
  });
}
