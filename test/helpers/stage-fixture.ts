import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CLI_ENTRY } from '../../src/paths.js';
import type { StageName } from '../../src/stages/registry.js';
import { loadStage } from '../../src/stages/registry.js';
import type { RunningStage, StageOptions } from '../../src/stages/stage.js';
import { requireServer } from './prereq.js';

/**
 * Shared set-up of the system tests of the nginx-family stages: a small seeded database (200
 * users) made once per test file with the real CLI, and a stage started for real through its
 * definition and stopped by PID when the test (or file) ends.
 */
let seeded: { dir: string; dbPath: string } | undefined;

export function seededDb(): string {
  if (seeded) return seeded.dbPath;
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: npx tsc -p tsconfig.build.json`);
  const dir = mkdtempSync(join(tmpdir(), 'fk-sys-'));
  const dbPath = join(dir, 'fk.db');
  execFileSync(process.execPath, [CLI_ENTRY, 'seed', '--db', dbPath, '--users', '200'], { stdio: 'pipe' });
  seeded = { dir, dbPath };
  return dbPath;
}

export function removeSeededDb(): void {
  if (seeded) rmSync(seeded.dir, { recursive: true, force: true });
  seeded = undefined;
}

/**
 * Starts a stage with 2 workers on the seeded data; stopped (by PID) when the test `t` ends.
 * Undefined after marking `t` skipped when a daemon the stage needs for these options is missing
 * (its own prerequisites(); in CI a missing one fails the test instead, see requireServer).
 */
export async function startStage(
  t: TestContext,
  name: StageName,
  opts: Partial<StageOptions> = {},
): Promise<RunningStage | undefined> {
  const def = await loadStage(name);
  // FK_TEST_SESSIONS=db|memcached replays a file with another session backend than the default.
  const sessions = process.env.FK_TEST_SESSIONS as StageOptions['sessions'];
  const stageOpts: StageOptions = {
    db: { kind: 'sqlite', path: seededDb() },
    // Inside the seeded data's temp dir, so removeSeededDb() takes the configs and logs with it.
    runDir: mkdtempSync(join(seeded!.dir, `${name}-`)),
    workers: 2,
    ...(sessions === undefined ? {} : { sessions }),
    ...opts,
  };
  for (const req of def.prerequisites(stageOpts))
    if (requireServer(t, req.binary, req.debianPackage) === undefined) return undefined;
  const running = await def.start(stageOpts);
  t.after(() => running.stop());
  return running;
}

/** A loopback port something listens on until the test `t` ends (for E_PORT_IN_USE cases). */
export async function busyPort(t: TestContext): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.after(() => blocker.close());
  return (blocker.address() as AddressInfo).port;
}

export interface Reply {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

/**
 * One request sent exactly as written (node:http does not normalise `..` or `%2e` the way fetch's
 * URL parser does), no redirects followed: the raw answer of the stage.
 */
export function request(
  base: string,
  path: string,
  init: { method?: string; cookie?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port: Number(port), path, method: init.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            headers: {
              get: (name) => {
                const v = h[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
              },
            },
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`timeout: ${path}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * GETs `path` until memcached answers it (X-Cache: HIT), for at most ~1 s: the app fills memcached
 * as it answers a miss, so the entry may land just after the first response.
 */
export async function requestUntilHit(base: string, path: string): Promise<Reply> {
  let r = await request(base, path);
  for (let i = 0; i < 20 && r.headers.get('x-cache') !== 'HIT'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    r = await request(base, path);
  }
  return r;
}

/** POST /login as a user; returns the `fk_session=...` cookie pair and the worker that answered. */
export async function login(base: string, userId: number): Promise<{ cookie: string; servedBy: string }> {
  const r = await request(base, '/login', { method: 'POST', body: `user=${userId}` });
  if (r.status !== 303) throw new Error(`login answered ${r.status}: ${r.body.slice(0, 200)}`);
  const set = r.headers.get('set-cookie') ?? '';
  const m = /fk_session=([0-9a-f]{32})/.exec(set);
  if (!m) throw new Error(`login set no session cookie: ${set}`);
  return { cookie: `fk_session=${m[1]}`, servedBy: r.headers.get('x-served-by') ?? '' };
}

/** The static URLs a page links to (same-origin /static/...). */
export function staticLinks(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)) out.add(m[1]!);
  return [...out];
}
