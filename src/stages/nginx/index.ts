import type { StageModule } from '../stage.js';
import { proxiedPrerequisites, startProxiedStage } from './proxied-stage.js';

/** The talk's 0.3: "two (or more) instances of CherryPy" behind nginx, the async load balancer. */
export const stage: StageModule = {
  name: 'nginx',
  talkVersion: '0.3',
  title: 'N app processes behind nginx',
  summary:
    'nginx load-balances N app processes (one per core) over keepalive connections, buffers responses ' +
    'to spoon-feed slow clients and retries idempotent requests on the next worker; sessions live in ' +
    'Redis so the processes share nothing (--sessions db|redis|memcached; memcached may evict sessions).',
  prerequisites: (opts) => proxiedPrerequisites('proxy', opts),
  start: (opts) => startProxiedStage('nginx', 'proxy', opts),
};
