import { proxiedPrerequisites, startProxiedStage } from '../nginx/proxied-stage.js';
import type { StageModule } from '../stage.js';

/** The talk's 0.4: nginx "can talk to memcached", so static files never reach Python again. */
export const stage: StageModule = {
  name: 'memcached',
  talkVersion: '0.4',
  title: 'nginx + app processes + static files from memcached',
  summary:
    'As nginx, plus memcached: the app stores each static file in memcached the first time it serves ' +
    'it, and nginx answers /static from memcached (X-Cache: HIT), falling back to the app on a miss, ' +
    'an error or a timeout (X-Cache: MISS). Sessions in Redis; with --sessions memcached they share ' +
    'the cache and can be evicted under memory pressure (users are logged out).',
  prerequisites: (opts) => proxiedPrerequisites('memcached', opts),
  start: (opts) => startProxiedStage('memcached', 'memcached', opts),
};
