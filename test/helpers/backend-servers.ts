import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { type StartedMemcached, startMemcached } from '../../src/daemons/memcached.js';
import { type StartedRedis, startRedis } from '../../src/daemons/redis.js';
import { requireServer } from './prereq.js';

/**
 * One redis-server / memcached per test file, started on first use on a free loopback port
 * (never the system Redis on 6379) and stopped by PID when the file's tests are done.
 */
function lazy<T extends { service: { stop(): Promise<void> } }>(
  binary: string,
  debianPackage: string,
  start: (runDir: string) => Promise<T>,
) {
  let started: Promise<T> | undefined;
  let runDir: string | undefined;
  after(async () => {
    if (started !== undefined) await (await started.catch(() => undefined))?.service.stop();
    if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
  });
  /** The running server, or undefined after marking `t` skipped (binary missing, outside CI). */
  return async (t: TestContext): Promise<T | undefined> => {
    if (requireServer(t, binary, debianPackage) === undefined) return undefined;
    runDir ??= mkdtempSync(join(tmpdir(), `fk-${binary}-`));
    const dir = runDir;
    started ??= start(dir);
    return started;
  };
}

export function redisServer(): (t: TestContext) => Promise<StartedRedis | undefined> {
  return lazy('redis-server', 'redis-server', (dir) => startRedis(dir));
}

export function memcachedServer(
  memoryMb?: number,
): (t: TestContext) => Promise<StartedMemcached | undefined> {
  return lazy('memcached', 'memcached', (dir) => startMemcached(dir, { memoryMb }));
}

/**
 * A TCP peer that is not the backend: `onData` answers each chunk a client sends (garbage, half a
 * reply, nothing) or closes. Returns its loopback port; closed, with its sockets, when `t` ends.
 */
export async function fakePeer(
  t: { after(fn: () => unknown): void },
  onData: (s: Socket, d: Buffer) => void,
): Promise<number> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (d) => onData(s, d));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  return (srv.address() as AddressInfo).port;
}
