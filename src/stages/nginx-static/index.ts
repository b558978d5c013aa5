import { II, locationBlock, type NginxSite, proxyToApp } from '../common/nginx-conf.js';
import { poolSize, proxiedPrerequisites, startProxiedStage } from '../common/proxied-stage.js';
import { defineStage } from '../stage.js';

/** nginx serves /static straight from the data directory; what is not a file goes to the app. */
export const staticSite: NginxSite = {
  variant: 'static',
  app: true,
  memcached: false,
  staticRoot: true,
  locations: (spec) =>
    [
      locationBlock('location /static/', [
        `${II}alias ${spec.staticRoot!.replace(/\/+$/, '')}/;`,
        // What is not a file on disk goes to the app, which answers it as in every other stage
        // (400 for a malformed path such as /static/%FF.css, 404 with its own page otherwise).
        `${II}try_files $uri @app;`,
        // Validators from the file itself; no Expires, so every stage sends the same cache headers.
        `${II}etag on;`,
        `${II}expires off;`,
        `${II}add_header X-Served-By nginx-static;`,
      ]),
      '',
      locationBlock('location @app', proxyToApp()),
      '',
      locationBlock('location /', proxyToApp()),
    ].join('\n'),
};

/** One of the talk's "other options": a web server that serves static files itself (lighttpd could). */
export const stage = defineStage({
  name: 'nginx-static',
  // 0.4's other options: the front server reads static files from disk instead of memcached.
  baseline: 'memcached',
  staticFrom: 'front',
  title: 'nginx serves /static from disk',
  summary:
    'As nginx, but nginx serves /static straight from the data directory with sendfile and ETags ' +
    '(X-Served-By: nginx-static); only dynamic pages reach the app processes. Sessions in Redis.',
  prerequisites: (opts) => proxiedPrerequisites(staticSite, opts),
  dbClients: poolSize,
  start: (opts) => startProxiedStage('nginx-static', staticSite, opts),
});
