import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import {
  type StartedMemcached,
  type StartedRedis,
  startMemcached,
  startRedis,
} from '../../src/stages/services.js';
import { requireServer } from '../helpers/prereq.js';

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
