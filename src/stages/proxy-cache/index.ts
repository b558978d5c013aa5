import { join } from 'node:path';
import { SESSION_COOKIE } from '../../app/index.js';
import { II, locationBlock, type NginxSite, proxyToApp } from '../common/nginx-conf.js';
import { poolSize, proxiedPrerequisites, startProxiedStage } from '../common/proxied-stage.js';
import { defineStage } from '../stage.js';

const cacheCommon = (): string[] => [
  `${II}proxy_cache fk_cache;`,
  `${II}proxy_cache_key $scheme$host$request_uri;`,
  // One request fills an expired entry while the others wait for it (the talk's Q&A: users
  // hammering reload compound the load).
  `${II}proxy_cache_lock on;`,
  `${II}proxy_cache_lock_timeout 2s;`,
  `${II}add_header X-Cache-Status $upstream_cache_status always;`,
];

/** An HTTP cache in nginx that the app does not know about: static files for 10 min, anonymous pages for 1 s. */
export const proxyCacheSite: NginxSite = {
  variant: 'proxy-cache',
  app: true,
  memcached: false,
  httpLines: (d) => [
    `  proxy_cache_path ${join(d, 'proxy_cache')} levels=1:2 keys_zone=fk_cache:10m max_size=256m inactive=10m use_temp_path=off;`,
  ],
  locations: () =>
    [
      locationBlock('location /static/', [
        ...proxyToApp(),
        ...cacheCommon(),
        // The app's Cache-Control is written for browsers, not for us: our TTLs decide.
        `${II}proxy_ignore_headers Cache-Control Expires;`,
        `${II}proxy_cache_valid 200 10m;`,
      ]),
      '',
      locationBlock('location /', [
        ...proxyToApp(),
        ...cacheCommon(),
        `${II}proxy_ignore_headers Cache-Control Expires;`,
        // Anonymous pages for one second: a burst of identical requests costs the app one render.
        `${II}proxy_cache_valid 200 1s;`,
        // A logged-in page is never served from the cache, nor stored in it. Responses that set a
        // cookie are not cached either: nginx refuses Set-Cookie responses unless told otherwise.
        `${II}proxy_cache_bypass $cookie_${SESSION_COOKIE};`,
        `${II}proxy_no_cache $cookie_${SESSION_COOKIE};`,
      ]),
    ].join('\n'),
};

/** One of the talk's "other options" ("DRY: cache!"): a web cache the app does not know about. */
export const stage = defineStage({
  name: 'proxy-cache',
  // 0.4's other options: a web cache in front instead of static files in memcached.
  baseline: 'memcached',
  staticFrom: 'cache',
  title: 'nginx proxy_cache in front of the app',
  summary:
    'As nginx, plus an HTTP cache in nginx: static files for 10 min and anonymous pages for 1 s ' +
    '(X-Cache-Status); a request with a session cookie, or a response setting one, is never cached, ' +
    'so a logged-in page is never served to anyone else.',
  prerequisites: (opts) => proxiedPrerequisites(proxyCacheSite, opts),
  dbClients: poolSize,
  start: (opts) => startProxiedStage('proxy-cache', proxyCacheSite, opts),
});
