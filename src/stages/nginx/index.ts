import { locationBlock, type NginxSite, proxyToApp } from '../common/nginx-conf.js';
import { poolSize, proxiedPrerequisites, startProxiedStage } from '../common/proxied-stage.js';
import { defineStage } from '../stage.js';

/** Everything to the app pool: nginx balances, buffers and retries, and the app serves /static itself. */
export const proxySite: NginxSite = {
  variant: 'proxy',
  app: true,
  memcached: false,
  locations: () => locationBlock('location /', proxyToApp()),
};

/** The talk's 0.3: "two (or more) instances of CherryPy" behind nginx, the async load balancer. */
export const stage = defineStage({
  name: 'nginx',
  talk: { version: '0.3', requestsPerS: 217 }, // two CherryPy processes behind nginx
  baseline: 'single',
  staticFrom: 'app',
  title: 'N app processes behind nginx',
  summary:
    'nginx load-balances N app processes (one per core) over keepalive connections, buffers responses ' +
    'to spoon-feed slow clients and retries idempotent requests on the next worker; sessions live in ' +
    'Redis so the processes share nothing (--sessions db|redis|memcached; memcached may evict sessions).',
  prerequisites: (opts) => proxiedPrerequisites(proxySite, opts),
  dbClients: poolSize,
  start: (opts) => startProxiedStage('nginx', proxySite, opts),
});
