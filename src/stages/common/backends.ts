import { MEMCACHED_PREREQ, startMemcached } from '../../daemons/memcached.js';
import type { Prerequisite } from '../../daemons/prereq.js';
import { REDIS_PREREQ, startRedis } from '../../daemons/redis.js';
import type { Service } from '../../daemons/supervisor.js';
import type { SessionBackend } from '../../server/app-process-spec.js';
import type { StageOptions, StartOptions } from '../stage.js';

/**
 * The shared-nothing backends of the talk's 0.3/0.4 stages: a Redis of the run's own for sessions
 * unless --redis names one, and memcached for sessions or (stage memcached) static files.
 */

/** Where sessions live in multi-process stages when --sessions is not given: Redis, so every worker sees every session. */
export const DEFAULT_SESSIONS: SessionBackend = 'redis';

/** The daemons startBackends() will run for these options. */
export function backendPrerequisites(opts: StageOptions, memcached: boolean): Prerequisite[] {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const reqs: Prerequisite[] = [];
  if (sessions === 'redis' && opts.redisUrl === undefined) reqs.push(REDIS_PREREQ);
  if (memcached || sessions === 'memcached') reqs.push(MEMCACHED_PREREQ);
  return reqs;
}

export interface Backends {
  sessions: SessionBackend;
  /** Set when sessions are in Redis: --redis, or the one started here. */
  redisUrl?: string;
  /** host:port of the memcached started here, if any. */
  memcachedAddr?: string;
}

/**
 * Starts the backends the app processes of a multi-process stage share. Each is pushed to
 * `services` as soon as it runs, so that a later failure stops it too.
 */
export async function startBackends(
  opts: StartOptions,
  memcached: boolean,
  services: Service[],
): Promise<Backends> {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const log = opts.log ?? (() => {});
  let redisUrl = sessions === 'redis' ? opts.redisUrl : undefined;
  if (sessions === 'redis' && redisUrl === undefined) {
    const redis = await startRedis(opts.runDir);
    services.push(redis.service);
    redisUrl = redis.url;
    log(`redis listening on ${redis.url}`);
  }
  let memcachedAddr: string | undefined;
  if (memcached || sessions === 'memcached') {
    const mc = await startMemcached(opts.runDir);
    services.push(mc.service);
    memcachedAddr = mc.addr;
    log(`memcached listening on ${mc.addr}`);
  }
  return { sessions, redisUrl, memcachedAddr };
}
