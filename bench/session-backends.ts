/**
 * Our own speed for the shared-nothing backends: what an app process pays to import a client
 * (the field notes measured 90-220 ms for common Redis clients), and session touches / memcached
 * gets per second, one at a time vs pipelined. Starts its own redis-server and memcached on free
 * ports and stops them. Run: npx tsc -p tsconfig.build.json && npx tsx bench/session-backends.ts
 * Takes ~5 s; figures are noisy on a shared machine: compare rows of one run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemcachedClient } from '../src/clients/memcached/client.js';
import { RedisClient } from '../src/clients/redis/client.js';
import { startMemcached } from '../src/daemons/memcached.js';
import { startRedis } from '../src/daemons/redis.js';
import { distPath } from '../src/paths.js';
import { MemcachedSessionStore } from '../src/session/memcached-store.js';
import { RedisSessionStore } from '../src/session/redis-store.js';
import type { SessionStore } from '../src/session/session-store.js';

const N = 20_000;

/** Median time a fresh `node` takes to import `specifier`, timed inside the child (spawn noise excluded). */
function importMs(specifier: string, runs = 7): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH ?? '' },
    });
    times.push(Number(out.toString()));
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

async function rate(label: string, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < N) await op(next++);
    }),
  );
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(Math.round(N / s)).padStart(8)} ops/s   ${((s / N) * 1e6).toFixed(1).padStart(6)} µs/op`,
  );
}

async function touches(name: string, store: SessionStore): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: 100 }, (_, i) => store.create(i + 1, 60_000).then((s) => s.id)),
  );
  for (const c of [1, 64])
    await rate(`${name} session touch, ${c} in flight`, c, (i) => store.touch(ids[i % 100]!, 60_000));
}

const dir = mkdtempSync(join(tmpdir(), 'fk-bench-backends-'));
const redis = await startRedis(dir);
const mc = await startMemcached(dir);
try {
  const net = importMs('node:net');
  const mcImport = importMs(pathToFileURL(distPath('memcached', 'client.js')).href);
  const redisImport = importMs(pathToFileURL(distPath('redis', 'client.js')).href);
  console.log(
    `import in a fresh node (median of 7): node:net ${net.toFixed(1)} ms, our memcached client ${mcImport.toFixed(1)} ms, our redis client ${redisImport.toFixed(1)} ms`,
  );

  await touches('redis', new RedisSessionStore(new RedisClient(redis.url)));
  await touches('memcached', new MemcachedSessionStore(new MemcachedClient(mc.addr)));

  const c = new MemcachedClient(mc.addr, { maxPending: 100_000 });
  await c.set('/static/site.css', Buffer.alloc(1024, 0x61));
  for (const n of [1, 64])
    await rate(`memcached get 1 KB, ${n} in flight`, n, () => c.get('/static/site.css'));
  await c.close();
} finally {
  await redis.service.stop();
  await mc.service.stop();
  rmSync(dir, { recursive: true, force: true });
}
