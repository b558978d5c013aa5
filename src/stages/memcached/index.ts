import { II, locationBlock, memcachedStatic, type NginxSite, proxyToApp } from '../common/nginx-conf.js';
import { poolSize, proxiedPrerequisites, startProxiedStage } from '../common/proxied-stage.js';
import { defineStage } from '../stage.js';

/**
 * /static from memcached, falling back to the app on a miss (404), memcached down (502) or slow
 * (504): the app then serves the file and fills memcached for next time.
 */
export const memcachedSite: NginxSite = {
  variant: 'memcached',
  app: true,
  memcached: true,
  locations: () =>
    [
      locationBlock('location /static/', memcachedStatic([`${II}error_page 404 502 504 = @app;`])),
      '',
      locationBlock('location @app', [...proxyToApp(), `${II}add_header X-Cache MISS always;`]),
      '',
      locationBlock('location /', proxyToApp()),
    ].join('\n'),
};

/** /static from memcached and nothing else: the yardstick of bench/stages.sh (what nginx + memcached alone do). */
export const memcachedOnlySite: NginxSite = {
  variant: 'memcached-only',
  app: false,
  memcached: true,
  locations: () => locationBlock('location /static/', memcachedStatic([])),
};

/** The talk's 0.4: nginx "can talk to memcached", so static files never reach Python again. */
export const stage = defineStage({
  name: 'memcached',
  talk: { version: '0.4', requestsPerS: 616 }, // their benchmarker; ~1750 with ab
  baseline: 'nginx',
  staticFrom: 'cache',
  // "Drop the index, run the benchmarking, recreate the index." (the talk's last demo)
  variants: [
    {
      id: 'memcached-noindex',
      kind: 'no-index',
      label: 'memcached, no index',
      baseline: 'memcached',
      talk: { requestsPerS: 28 },
    },
  ],
  title: 'nginx + app processes + static files from memcached',
  summary:
    'As nginx, plus memcached: the app stores each static file in memcached the first time it serves ' +
    'it, and nginx answers /static from memcached (X-Cache: HIT), falling back to the app on a miss, ' +
    'an error or a timeout (X-Cache: MISS). Sessions in Redis; with --sessions memcached they share ' +
    'the cache and can be evicted under memory pressure (users are logged out).',
  prerequisites: (opts) => proxiedPrerequisites(memcachedSite, opts),
  dbClients: poolSize,
  start: (opts) => startProxiedStage('memcached', memcachedSite, opts),
});
