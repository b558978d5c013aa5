import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BenchOptions } from '../bench/api.js';
import { parseResult, runBench } from '../bench/index.js';
import { FkError } from '../errors.js';
import { renderCompare, renderProgress, renderSummary } from '../report/bench-text.js';
import { durationOption, intOption, parse } from './args.js';
import type { Command } from './io.js';

const USAGE = `Usage: flickr-killr bench [options] URL...
       flickr-killr bench compare A.json B.json

A browser-like HTTP/1.1 load generator. URLs may hold integer ranges: http://host:8080/users/{1..100000}

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
      --page            browser mode: fetch the page, then its same-origin CSS, JS and images over
                        up to 6 connections per user; count page views (no cache by default)
      --cache           browser mode: revalidate assets (If-None-Match) instead of re-fetching
      --login 'REQ'     one request per user first, e.g. 'POST /login user={1..100000}';
                        its Set-Cookie is kept, its redirect not followed
  -l, --list FILE       URL list file: one '[METHOD] URL [BODY]' per line
      --json FILE       write the versioned result (schemas/bench-result.schema.json)
      --seed N          seed of the random template numbers (repeatable runs)
      --max-body BYTES  longer bodies count as error 'body-too-large' (default 16 MiB)

Errors are counted by kind: refused, reset, closed (mid-response), timeout, malformed,
body-too-large, connect. The generator checks itself: a thread whose event loop or core was
~90% busy is reported, since then the numbers measure the generator, not the server.`;

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
  json: { type: 'string' },
  seed: { type: 'string' },
  'max-body': { type: 'string' },
} as const;

function compare(args: string[], io: Parameters<Command['run']>[1]): number {
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

function writeJson(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new FkError('E_USAGE', `cannot write --json ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function benchOptions(args: string[], cwd: string): { opts: BenchOptions; json?: string } {
  const { values: v, positionals } = parse(args, OPTIONS, true);
  const rate = v.rate === undefined ? undefined : Number(v.rate);
  if (rate !== undefined && !(rate > 0))
    throw new FkError('E_USAGE', `--rate must be a positive number, got '${v.rate}'`);
  const opts: BenchOptions = {
    urls: positionals,
    connections: intOption(v.connections, 'connections', 1, 100_000) ?? 10,
    page: v.page === true,
    cache: v.cache === true,
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
  return v.json === undefined ? { opts } : { opts, json: resolve(cwd, v.json) };
}

export const command: Command = {
  usage: USAGE,
  run: async (args, io) => {
    if (args[0] === 'compare') return compare(args.slice(1), io);
    const { opts, json } = benchOptions(args, io.cwd);
    // Find out now, not after a 30 s run, that the result cannot be written.
    if (json !== undefined) writeJson(json, '');
    let lastLine = 0;
    const result = await runBench(opts, {
      signal: io.signal,
      // A live line on a terminal only; redirected output stays clean for scripts.
      onProgress: io.isTTY
        ? (p) => {
            if (p.elapsedMs - lastLine < 500) return;
            lastLine = p.elapsedMs;
            io.stderr(`\r\x1b[K${renderProgress(p)}`);
          }
        : undefined,
    });
    if (io.isTTY) io.stderr('\r\x1b[K');
    io.stdout(renderSummary(result));
    if (json !== undefined) writeJson(json, `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};
