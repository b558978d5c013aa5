import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { hostsForLab } from '../../src/remote/hosts.js';
import type { RemoteHost } from '../../src/remote/remote-host.js';
import { parseAccessLog } from '../../src/stages/fleet/lb-conf.js';
import { type FleetStartOptions, type RunningFleet, startFleet } from '../../src/stages/fleet/start.js';
import { fakeIo } from '../helpers/fake-io.js';
import { requirePostgres } from '../helpers/pg.js';
import { requireServer } from '../helpers/prereq.js';

/**
 * The fleet system tests' lab: one of its own per test file (a unique name, `f` + 6 base-36
 * digits), made from test/fixtures/hosts/fleet-lab.yaml (lb, app1, app2, cache1, cache2, sessions,
 * db), a fleet on it seeded with 500 users, and both removed in `after` even when a test fails:
 * the fleet stopped, `lab down`, the temp dirs (artifact cache, run dir) deleted.
 */
export const HOSTS_FILE = new URL('../fixtures/hosts/fleet-lab.yaml', import.meta.url).pathname;
export const USERS = 500;

export interface FleetLab {
  name: string;
  hosts: RemoteHost[];
  fleet: RunningFleet;
  dir: string;
  startMs: number;
}

export function fleetLab(
  opts: Partial<FleetStartOptions> = {},
  hostsFile: string = HOSTS_FILE,
  /** A lab name of the caller's (on a shared machine, one it was given); default a random one. */
  fixedName?: string,
): (t: TestContext) => Promise<FleetLab | undefined> {
  const name =
    fixedName ??
    `f${Math.floor(Math.random() * 36 ** 6)
      .toString(36)
      .padStart(6, '0')}`;
  let made: Promise<FleetLab> | undefined;
  let dir: string | undefined;
  after(async () => {
    const lab = await made?.catch(() => undefined);
    await lab?.fleet.stop();
    await runCli(['lab', 'down', '--name', name], fakeIo());
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return async (t) => {
    if (!prerequisites(t)) return undefined;
    made ??= (async () => {
      dir = mkdtempSync(join(tmpdir(), 'fk-fleet-'));
      const io = fakeIo();
      if ((await runCli(['lab', 'up', '--hosts', hostsFile, '--name', name], io)) !== 0)
        throw new Error(`lab up failed: ${io.err.join('')}`);
      const hosts = hostsForLab(name);
      const t0 = performance.now();
      const fleet = await startFleet({
        hosts,
        runDir: join(dir, 'run'),
        cacheDir: join(dir, 'cache', 'artifacts'),
        users: USERS,
        ...opts,
      });
      return { name, hosts, fleet, dir, startMs: performance.now() - t0 };
    })();
    return made;
  };
}

export function prerequisites(t: TestContext): boolean {
  if (process.getuid?.() !== 0) {
    const why = 'the lab needs root';
    if (process.env.CI === 'true') throw new Error(`${why}: required in CI`);
    t.skip(why);
    return false;
  }
  for (const [bin, pkg] of [
    ['sshd', 'openssh-server'],
    ['ip', 'iproute2'],
    ['supervisord', 'supervisor'],
    ['nginx', 'nginx'],
    ['memcached', 'memcached'],
    ['redis-server', 'redis-server'],
    ['rsync', 'rsync'],
  ] as const)
    if (requireServer(t, bin, pkg) === undefined) return false;
  return requirePostgres(t);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One memcached text-protocol command to a cache host; the reply until END. */
export function memcachedStats(server: string): Promise<Map<string, string>> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const s = new Socket();
    let buf = '';
    s.setTimeout(3000, () => s.destroy(new Error(`memcached ${server}: timeout`)));
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.endsWith('END\r\n')) {
        s.end();
        const m = new Map<string, string>();
        for (const l of buf.split('\r\n')) {
          const [, k, v] = l.split(' ');
          if (k !== undefined && v !== undefined) m.set(k, v);
        }
        resolve(m);
      }
    });
    s.connect(Number(port), host!, () => s.write('stats\r\n'));
  });
}

/** The lb's access log, read over ssh (the fleet starts with accessLog in these tests). */
export async function accessLog(lab: FleetLab) {
  const lb = lab.fleet.host(lab.fleet.plan.lbHost);
  const r = await lb.remote.exec(['cat', `${lb.plan.paths.logDir}/nginx-access.log`]);
  return parseAccessLog(r.stdout);
}

/** `flickr-killr bench` in-process against the lb, its JSON result parsed. */
export async function bench(lab: FleetLab, args: string[], file: string) {
  const io = fakeIo();
  const url = lab.fleet.url;
  const code = await runCli(
    [
      'bench',
      '--page',
      '--login',
      `POST ${url}/login user={1..${USERS}}`,
      '--json',
      file,
      ...args,
      `${url}/users/{1..${USERS}}`,
    ],
    io,
  );
  if (code !== 0 && code !== 99) throw new Error(`bench exited ${code}: ${io.err.join('')}`);
  return JSON.parse(readFileSync(file, 'utf8')) as import('../../src/bench/index.js').BenchResult;
}

/** Whether a TCP connection to host:port is accepted within 3 s. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(3000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(false));
    s.connect(port, host, () => {
      s.end();
      resolve(true);
    });
  });
}
