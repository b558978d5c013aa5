import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BenchOptions } from '../bench/api.js';
import {
  type BenchResult,
  checkThresholds,
  checkThresholdsMedian,
  parseResult,
  parseThresholds,
  runBench,
  runBenchRepeated,
  runFailure,
  type Threshold,
} from '../bench/index.js';
import { FkError } from '../errors.js';
import {
  renderCompare,
  renderProgress,
  renderRepeat,
  renderRunLine,
  renderSummary,
  renderThresholds,
} from '../report/bench-text.js';
import { durationOption, intOption, parse } from './args.js';
import type { Command, Io } from './io.js';

/** Exit codes of `bench` besides 0, 1 (an error) and 2 (bad usage); docs/cli.md lists them all. */
export const EXIT_NOTHING_SUCCEEDED = 98;
export const EXIT_THRESHOLD_FAILED = 99;

const USAGE = `Usage: flickr-killr bench [options] URL...
       flickr-killr bench compare A.json B.json

A browser-like HTTP/1.1 load generator for http:// and https:// URLs. URLs may hold integer
ranges: http://host:8080/users/{1..100000}

  -c, --connections N   virtual users, each with its own cookie jar (default 10)
  -t, --threads N       worker threads, each with its own event loop (default: cores)
  -d, --duration T      measured duration, e.g. 30s (default 10s unless -n)
  -n, --count N         stop after N requests (page views with --page) after the warm-up
      --warmup T        run this long first, excluded from the statistics
      --timeout T       per-request timeout (default 10s; checked every T/4, at most 250ms):
                        the connection is closed and its requests count as 'timeout'
      --rate R          open loop: R requests (page views) per second, latency from the intended
                        send time (coordinated omission corrected); default: closed loop
  -p, --pipelining N    HTTP/1.1 pipelining depth per connection (default 1)
      --page            browser mode: fetch the page, then what a browser fetches for it over up
                        to 6 connections per user (stylesheets and what they url() or @import,
                        scripts, images, <link rel=preload|modulepreload|icon>; same origin
                        only, no script runs); count page views (no cache by default)
      --cache           browser mode: revalidate assets (If-None-Match) instead of re-fetching
      --login 'REQ'     one request per user first, e.g. 'POST /login user={1..100000}';
                        its Set-Cookie is kept, its redirect not followed
  -l, --list FILE       URL list file: one '[METHOD] URL [BODY]' per line
      --insecure        https: accept a certificate that does not verify (self-signed)
      --expect CHECKS   pass/fail checks at the end, e.g. 'p99<50ms,errors<0.1%,rate>1000':
                        p50 p90 p99 p999 max mean (us, ms, s; corrected latency in open loop),
                        errors (% of requests, or a count; transport errors and status >= 400),
                        rate (page views/s with --page, else requests/s); latency per class:
                        page.p99, asset.p99, load.p99 (whole page), url.p99
      --repeat N        run N times; figures as median (min-max); --expect checks the medians
      --json FILE       write the versioned result (schemas/bench-result.schema.json) once the
                        run completed; '-' writes it to stdout and the summary to stderr
      --seed N          seed of the random template numbers (repeatable runs)
      --max-body BYTES  longer bodies count as error 'body-too-large' (default 16 MiB)

Errors are counted by kind: refused, reset, closed (mid-response), timeout, malformed,
body-too-large, connect, tls. A request a reused keep-alive connection lost before any byte of
its answer is sent once more on a new connection, as browsers do (GET, HEAD, PUT, DELETE, never
POST), and counted as retried, not failed. The generator checks itself: a thread whose event
loop or core was ~90% busy is reported, since then the numbers measure the generator, not the
server.

Exit status: 0 done (every --expect check passed), 1 error, 2 bad usage, ${EXIT_NOTHING_SUCCEEDED} nothing
succeeded (every request failed, or none completed), ${EXIT_THRESHOLD_FAILED} an --expect check failed,
130 interrupted.`;

const OPTIONS = {
  connections: { type: 'string', short: 'c' },
  threads: { type: 'string', short: 't' },
  duration: { type: 'string', short: 'd' },
  count: { type: 'string', short: 'n' },
  warmup: { type: 'string' },
  timeout: { type: 'string' },
  rate: { type: 'string' },
  pipelining: { type: 'string', short: 'p' },
  page: { type: 'boolean' },
  cache: { type: 'boolean' },
  login: { type: 'string' },
  list: { type: 'string', short: 'l' },
  insecure: { type: 'boolean' },
  expect: { type: 'string' },
  repeat: { type: 'string' },
  json: { type: 'string' },
  seed: { type: 'string' },
  'max-body': { type: 'string' },
} as const;

function compare(args: string[], io: Io): number {
  if (args.length !== 2) throw new FkError('E_USAGE', 'bench compare takes exactly two result files');
  const [a, b] = args.map((f) => {
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, f), 'utf8');
    } catch (e) {
      throw new FkError('E_BAD_RESULT', `cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    return parseResult(text, f);
  });
  io.stdout(renderCompare(a!, b!, args[0]!, args[1]!));
  return 0;
}

/**
 * `--json FILE`: the result goes to a temp file beside FILE, renamed over it once written (rename(2)
 * is atomic), so a run that fails or is interrupted leaves an existing FILE as it was. The temp
 * file is created before the run: a path that cannot be written is an error now, not in 30 s.
 */
function jsonFile(path: string, pid: number): { commit: (text: string) => void; discard: () => void } {
  const tmp = join(dirname(path), `.${basename(path)}.${pid}.tmp`);
  try {
    closeSync(openSync(tmp, 'w'));
  } catch (e) {
    throw new FkError('E_USAGE', `cannot write --json ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return {
    commit: (text) => {
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    },
    discard: () => rmSync(tmp, { force: true }),
  };
}

interface Parsed {
  opts: BenchOptions;
  json: string | undefined;
  repeat: number;
  expect: Threshold[] | undefined;
}

function benchOptions(args: string[], cwd: string): Parsed {
  const { values: v, positionals } = parse(args, OPTIONS, true);
  const rate = v.rate === undefined ? undefined : Number(v.rate);
  if (rate !== undefined && !(rate > 0))
    throw new FkError('E_USAGE', `--rate must be a positive number, got '${v.rate}'`);
  const opts: BenchOptions = {
    urls: positionals,
    connections: intOption(v.connections, 'connections', 1, 100_000) ?? 10,
    page: v.page === true,
    cache: v.cache === true,
    insecure: v.insecure === true,
  };
  const set = <K extends keyof BenchOptions>(k: K, x: BenchOptions[K] | undefined) => {
    if (x !== undefined) opts[k] = x;
  };
  set('threads', intOption(v.threads, 'threads', 1, 256));
  set('durationMs', durationOption(v.duration, 'duration'));
  set('count', intOption(v.count, 'count', 1, Number.MAX_SAFE_INTEGER));
  set('warmupMs', durationOption(v.warmup, 'warmup'));
  set('timeoutMs', durationOption(v.timeout, 'timeout'));
  set('rate', rate);
  set('pipelining', intOption(v.pipelining, 'pipelining', 1, 1000));
  set('login', v.login);
  set('listFile', v.list === undefined ? undefined : resolve(cwd, v.list));
  set('seed', intOption(v.seed, 'seed', 0, 0xffff_ffff));
  set('maxBodyBytes', intOption(v['max-body'], 'max-body', 1, Number.MAX_SAFE_INTEGER));
  const expect = v.expect === undefined ? undefined : parseThresholds(v.expect);
  for (const t of expect ?? []) {
    const pageOnly = t.cls === 'page' || t.cls === 'asset' || t.cls === 'load';
    if (pageOnly !== (opts.page === true) && t.cls !== undefined)
      throw new FkError(
        'E_BAD_THRESHOLD',
        `--expect '${t.text}': class '${t.cls}' ${pageOnly ? 'needs --page' : 'is not measured with --page (use page. or asset.)'}`,
      );
  }
  return {
    opts,
    json: v.json === undefined || v.json === '-' ? v.json : resolve(cwd, v.json),
    repeat: intOption(v.repeat, 'repeat', 1, 1000) ?? 1,
    expect,
  };
}

async function run(args: string[], io: Io): Promise<number> {
  const { opts, json, repeat, expect } = benchOptions(args, io.cwd);
  const file = json !== undefined && json !== '-' ? jsonFile(json, process.pid) : undefined;
  // With --json - stdout carries the JSON document only; the human summary goes to stderr.
  const say = json === '-' ? io.stderr : io.stdout;
  let lastLine = 0;
  const hooks = {
    signal: io.signal,
    // A live line on a terminal only; redirected output stays clean for scripts.
    onProgress: io.isTTY
      ? (p: { elapsedMs: number; requests: number; errors: number }) => {
          if (p.elapsedMs - lastLine < 500) return;
          lastLine = p.elapsedMs;
          io.stderr(`\r\x1b[K${renderProgress(p)}`);
        }
      : undefined,
  };
  try {
    let result: BenchResult;
    if (repeat > 1) {
      result = await runBenchRepeated(opts, repeat, {
        ...hooks,
        onRun: (i, r) => {
          lastLine = 0;
          io.stderr(`${io.isTTY ? '\r\x1b[K' : ''}${renderRunLine(i, repeat, r)}\n`);
        },
      });
    } else result = await runBench(opts, hooks);
    if (io.isTTY) io.stderr('\r\x1b[K');
    if (expect !== undefined)
      result.thresholds = result.repeat
        ? checkThresholdsMedian(result.repeat.runs, expect)
        : checkThresholds(result, expect);
    say(renderSummary(result));
    if (result.repeat) say(renderRepeat(result));
    if (result.thresholds) say(renderThresholds(result.thresholds));
    const failure = runFailure(result);
    if (failure !== null) io.stderr(`flickr-killr bench: ${failure}\n`);
    if (io.signal.aborted) {
      io.stderr('flickr-killr bench: interrupted; --json not written\n');
      return 130;
    }
    const text = `${JSON.stringify(result, null, 2)}\n`;
    if (json === '-') io.stdout(text);
    else file?.commit(text);
    if (failure !== null) return EXIT_NOTHING_SUCCEEDED;
    return result.thresholds?.some((t) => !t.ok) ? EXIT_THRESHOLD_FAILED : 0;
  } finally {
    file?.discard();
  }
}

export const command: Command = {
  usage: USAGE,
  run: async (args, io) => (args[0] === 'compare' ? compare(args.slice(1), io) : run(args, io)),
};
