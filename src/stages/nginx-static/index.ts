import { proxiedPrerequisites, startProxiedStage } from '../nginx/proxied-stage.js';
import type { StageModule } from '../stage.js';

/** One of the talk's "other options": a web server that serves static files itself (lighttpd could). */
export const stage: StageModule = {
  name: 'nginx-static',
  title: 'nginx serves /static from disk',
  summary:
    'As nginx, but nginx serves /static straight from the data directory with sendfile and ETags ' +
    '(X-Served-By: nginx-static); only dynamic pages reach the app processes. Sessions in Redis.',
  prerequisites: (opts) => proxiedPrerequisites('static', opts),
  start: (opts) => startProxiedStage('nginx-static', 'static', opts),
};
