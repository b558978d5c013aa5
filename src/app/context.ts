import type { AssetSource } from '../assets/asset-source.js';
import type { SessionStore } from '../session/session-store.js';
import type { PhotoStore } from '../store/photo-store.js';
import type { AppRequest } from './types.js';
import type { Viewer, Views } from './views/templates.js';

export interface AppDeps {
  store: PhotoStore;
  sessions: SessionStore;
  assets: AssetSource;
  /** Sent as X-Served-By when set (e.g. 'cgi-123'); node-http adds 'app-<pid>' otherwise. */
  workerTag?: string;
  /** Unexpected errors (the 500s), for the adapter's log; the response never shows them. */
  onError?: (e: unknown) => void;
  /** Warnings that are not 500s (a session store outage), for the adapter's log. */
  onWarning?: (message: string) => void;
}

export interface AppContext extends AppDeps {
  views: Views;
  /** Called on every failed session store call; logs at most once per outage window. */
  onSessionStoreDown?: (e: unknown) => void;
}

/** Per-request phase timings in ms, sent as Server-Timing (W3C) on dynamic pages. */
export class Timing {
  session = 0;
  db = 0;
  render = 0;
  header(): string {
    return `session;dur=${this.session.toFixed(3)}, db;dur=${this.db.toFixed(3)}, render;dur=${this.render.toFixed(3)}`;
  }
}

export interface RouteInput {
  req: AppRequest;
  /** The decoded path. */
  path: string;
  timing: Timing;
}

export type { Viewer };
