import { proxiedPrerequisites, startProxiedStage } from '../nginx/proxied-stage.js';
import type { StageModule } from '../stage.js';

/** One of the talk's "other options" ("DRY: cache!"): a web cache the app does not know about. */
export const stage: StageModule = {
  name: 'proxy-cache',
  title: 'nginx proxy_cache in front of the app',
  summary:
    'As nginx, plus an HTTP cache in nginx: static files for 10 min and anonymous pages for 1 s ' +
    '(X-Cache-Status); a request with a session cookie, or a response setting one, is never cached, ' +
    'so a logged-in page is never served to anyone else.',
  prerequisites: (opts) => proxiedPrerequisites('proxy-cache', opts),
  start: (opts) => startProxiedStage('proxy-cache', 'proxy-cache', opts),
};
