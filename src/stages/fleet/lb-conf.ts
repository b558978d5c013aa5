import {
  I,
  type NginxConfSpec,
  type NginxSite,
  renderNginxConf,
  type UpstreamTuning,
} from '../common/nginx-conf.js';
import { memcachedSite } from '../memcached/index.js';
import type { ProtectLimits } from '../stage.js';
import type { FleetPaths } from './paths.js';

/**
 * The lb host's nginx: stage memcached's site (static files from memcached first, falling back to
 * the app, which fills memcached) in the shared frame, balancing every app process of every app
 * host, with timeouts for a network instead of loopback.
 *
 * Why these values (measured in test/system/fleet-faults.test.ts, figures in docs/architecture.md):
 * - connect 250 ms: an app host that is gone or cut off does not refuse a connection, it stays
 *   silent, so each new connection to it costs the connect timeout before nginx tries the next
 *   server. A LAN's round trip is well under 1 ms; 250 ms leaves room for a busy host's accept
 *   queue while keeping that cost small. (A SYN lost on a healthy network is retransmitted after
 *   1 s, so such a connection is counted as a failure: max_fails=1 then rests that server for
 *   fail_timeout, an acceptable price on a LAN.)
 * - read 5 s: a request already written on a kept-alive connection to a host that then went
 *   silent waits proxy_read_timeout before it is retried elsewhere (GET) or answered 504 (POST:
 *   never retried once sent). A page answers in milliseconds; 5 s is a hundredfold margin and
 *   below the benchmark's 10 s request timeout, so a GET caught by a cut still completes. Past
 *   capacity, queueing longer than this becomes a retry or a 504 (the capacity command's
 *   --protect answers fast 503s before that).
 * - fail_timeout 5 s for app servers (max_fails=1): a failed server rests 5 s, then one request
 *   probes it again.
 * - memcached max_fails=1 fail_timeout 2 s: a silent cache host would otherwise cost every
 *   request for its keys memcached_connect_timeout (100 ms); rested, its keys fall to the ring's
 *   next server (a miss, served by the app) until it answers again. Short, because a cache host
 *   that only stalled once (a throttled quota) is then out too: every one of its files goes to
 *   the app hosts meanwhile, and 2 s of that is a blip where 5 s was a visible dip.
 * - keepalive 512 to memcached, 128 to the app processes: idle connections kept per worker. With
 *   32 (the loopback stages' value), bench -c 64 left 14,000 TIME_WAIT sockets to memcached on the
 *   lb after 8 s — every connection past the 32 is closed after one request, and off loopback
 *   Linux does not reuse TIME_WAIT ports (tcp_tw_reuse=2) — and the next run stalled on
 *   ephemeral ports (memcached timeouts, 22–120 page views/s instead of ~300). With these sizes:
 *   ~1,100 after three such runs, no timeouts, 390–480 page views/s.
 */
export const FLEET_UPSTREAM_TUNING: UpstreamTuning = {
  connectTimeout: '250ms',
  readTimeout: '5s',
  appFailTimeout: '5s',
  memcachedFailTimeout: '2s',
  appKeepalive: 128,
  memcachedKeepalive: 512,
};

/**
 * With accessLog, one line per request with what the failure tests need: which upstreams were
 * tried ($upstream_addr lists every server contacted, comma-separated), what each answered and
 * how long each attempt took (a connect timeout ends an attempt at 250 ms, before the request was
 * sent; a read timeout after 5 s, once it was). Fields are separated by '|' because those lists
 * contain spaces. parseAccessLog reads them back.
 */
export const FLEET_LOG_FORMAT =
  "  log_format fleet '$msec|$request_method|$request_uri|$status|$upstream_addr|$upstream_status|$upstream_response_time|$request_time';";

export interface AccessLogLine {
  /** Unix time in s (ms resolution) when the response was done. */
  at: number;
  method: string;
  uri: string;
  status: number;
  /** Every upstream tried, in order (empty when nginx answered itself: memcached hits count as one). */
  upstreams: string[];
  upstreamStatus: string[];
  /** Seconds per attempt. */
  upstreamTimes: number[];
  requestTime: number;
}

/** nginx separates servers of one upstream with ', ' and successive upstreams (memcached, then @app) with ' : '. */
const list = (v: string) => (v === '-' || v === '' ? [] : v.split(/, | : /));

/** Lines of FLEET_LOG_FORMAT; other lines are skipped. */
export function parseAccessLog(text: string): AccessLogLine[] {
  const out: AccessLogLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length !== 8) continue;
    out.push({
      at: Number(f[0]),
      method: f[1]!,
      uri: f[2]!,
      status: Number(f[3]),
      upstreams: list(f[4]!),
      upstreamStatus: list(f[5]!),
      upstreamTimes: list(f[6]!).map(Number),
      requestTime: Number(f[7]),
    });
  }
  return out;
}

export function fleetSite(accessLogFile?: string): NginxSite {
  return {
    variant: 'fleet',
    app: true,
    memcached: true,
    ...(accessLogFile === undefined ? {} : { httpLines: () => [FLEET_LOG_FORMAT] }),
    locations: (spec) =>
      [
        // Server level overrides the frame's `access_log off` in the http block.
        ...(accessLogFile === undefined ? [] : [`${I}access_log ${accessLogFile} fleet;`, '']),
        memcachedSite.locations(spec),
      ].join('\n'),
  };
}

export interface LbConfInput {
  paths: FleetPaths;
  address: string;
  port: number;
  appServers: readonly string[];
  cacheServers: readonly string[];
  workerProcesses: number;
  root: boolean;
  tuning?: UpstreamTuning;
  accessLog?: boolean;
  /** --protect: limit_conn over every app process of the upstream (its own file), fast 503 + Retry-After past it. */
  protect?: ProtectLimits;
}

export const accessLogPath = (paths: FleetPaths) => `${paths.logDir}/nginx-access.log`;

/** The app upstream's server lines (deploy/lb-upstream.ts rewrites this file, then reloads). */
export const appServersPath = (paths: FleetPaths) => `${paths.nginxDir}/app-servers.conf`;

/**
 * --protect: the front door's limit_conn (renderProtectLimit), in a file beside the upstream's,
 * so the bound follows `deploy hosts add|remove` (the deploy rewrites both in one switch).
 */
export const protectLimitPath = (paths: FleetPaths) => `${paths.nginxDir}/app-limit.conf`;

export function lbNginxSpec(o: LbConfInput): NginxConfSpec {
  return {
    runDir: o.paths.nginxDir,
    listenHost: o.address,
    listenPort: o.port,
    appPorts: [],
    appServers: o.appServers,
    appServersFile: appServersPath(o.paths),
    memcachedServers: o.cacheServers,
    workerProcesses: o.workerProcesses,
    ...(o.root ? { user: 'root' } : {}),
    upstreamTuning: o.tuning ?? FLEET_UPSTREAM_TUNING,
    ...(o.protect === undefined
      ? {}
      : { protect: { maxInFlightPerApp: o.protect.maxInFlight, limitFile: protectLimitPath(o.paths) } }),
  };
}

export function renderLbConf(o: LbConfInput): string {
  return renderNginxConf(fleetSite(o.accessLog ? accessLogPath(o.paths) : undefined), lbNginxSpec(o));
}
