/**
 * The benchmarker's public contract: options in, a versioned result out. The ladder and the CLI
 * use only this file (and what it re-exports); bench/ imports nothing from app/ or stages/.
 * The JSON form of BenchResult is schemas/bench-result.schema.json.
 * All latencies are in microseconds (never whole milliseconds: at loopback speeds p50 is < 1 ms).
 */
export interface BenchOptions {
  /** URLs or URL templates (`http://127.0.0.1:8080/users/{1..100000}`). */
  urls: string[];
  /** Browser mode: fetch HTML, then its same-origin subresources; count page views. */
  page?: boolean;
  /** Virtual users (each with its own cookie jar). */
  connections: number;
  /** Worker threads, each with its own event loop; default: cores. */
  threads?: number;
  durationMs?: number;
  count?: number;
  warmupMs?: number;
  timeoutMs?: number;
  /** A login request per virtual user, e.g. 'POST /login user={1..100000}'. */
  login?: string;
  /** Open loop: constant arrival rate in requests (or page views with --page) per second. */
  rate?: number;
  pipelining?: number;
  /** A URL list file: one request per line, `[METHOD] URL [BODY]` (added by the bench engineer). */
  listFile?: string;
  /** Browser mode: revalidate assets (If-None-Match / If-Modified-Since) instead of re-fetching them. */
  cache?: boolean;
  /** Responses with a longer body are cut and counted as error 'body-too-large' (default 16 MiB). */
  maxBodyBytes?: number;
  /** Seed of the URL-template random numbers (repeatable runs); default: random. */
  seed?: number;
  /** https: accept a certificate that does not verify (self-signed), as `curl -k` does. */
  insecure?: boolean;
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface BenchResultCore {
  schemaVersion: 1;
  startedAt: string;
  /** Measured seconds (warm-up excluded). */
  durationS: number;
  totals: {
    requests: number;
    pageViews: number;
    bytes: number;
    errors: number;
    /**
     * Requests a reused keep-alive connection lost before any byte of their response (the server
     * closed it as they went out), sent once more on a new connection as browsers do (RFC 9112
     * §9.3.1; idempotent methods only). Not errors: counted here instead.
     */
    retriedOnStaleConnection: number;
  };
  rates: { requestsPerS: number; pageViewsPerS: number; bytesPerS: number };
  latency: LatencySummary;
  /** Page load time (HTML + all its assets), browser mode only. */
  pageLoad?: LatencySummary;
  /** Per URL class: 'page' (the HTML document) and 'asset' (its subresources), or 'url' otherwise. */
  classes: Record<string, { requests: number; latency: LatencySummary }>;
  statusCodes: Record<string, number>;
  /** https only: the TLS handshakes of the measured window (TCP connect excluded). */
  tls?: { handshakes: number; resumed: number; handshake: LatencySummary };
  /** refused, reset, timeout, malformed, tls, ... */
  errors: Record<string, number>;
  /** Mean of each Server-Timing metric the server sent, in ms, with how many responses carried it. */
  serverTiming: Record<string, { count: number; meanMs: number }>;
  generator: {
    threads: number;
    cpuUserS: number;
    cpuSystemS: number;
    cpuPerRequestUs: number;
    /** True when the generator itself used (nearly) all the CPU it had: the result measures it, not the server. */
    saturated: boolean;
    warnings: string[];
  };
}
