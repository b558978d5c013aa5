#!/usr/bin/env bash
# Pages/s and requests/s of the nginx-family stages (nginx, memcached, cluster, nginx-static,
# proxy-cache) on one browser-like workload, then the talk's 0.4 target check:
#   in stage memcached, static files are served at >= 80% of the rate nginx reaches serving the
#   same files from memcached with NO app process running.
# For that check the script pre-fills memcached through the stage, starts a second nginx with only
# the memcached location (variant memcached-only) on the same memcached, and runs wrk with the same
# static URL list, connections and duration against both, in the same run.
#
# Usage: bench/stages.sh            (env: STAGES, USERS, CONNS, DURATION, WORKERS)
# Short by default (the machine is shared); the lead re-measures on a quiet machine for README.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

STAGES=${STAGES:-"nginx memcached cluster nginx-static proxy-cache"}
USERS=${USERS:-2000}
CONNS=${CONNS:-20}
DURATION=${DURATION:-5}
WORKERS=${WORKERS:-$(nproc)}

need wrk
ensure_build

WORK=$(mktemp -d /tmp/fk-bench-stages.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
node dist/cli/main.js seed --db "$WORK/fk.db" --users "$USERS" >/dev/null

# wrk over a URL list, one path per line, taken in turn by every connection.
cat >"$WORK/list.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("FK_URLS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

echo "flickr-killr bench/stages.sh: $USERS users, $CONNS connections, ${DURATION}s per run, $WORKERS app workers, $(nproc) cores"
echo

FK_WORK="$WORK" FK_STAGES="$STAGES" FK_USERS="$USERS" FK_CONNS="$CONNS" FK_DURATION="$DURATION" \
  FK_WORKERS="$WORKERS" node --input-type=module - <<'NODE'
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStage } from './dist/stages/registry.js';
import { freePort } from './dist/daemons/free-port.js';
import { nginxUser, runNginx } from './dist/daemons/nginx.js';
import { renderNginxConf } from './dist/stages/common/nginx-conf.js';
import { memcachedOnlySite } from './dist/stages/memcached/index.js';

const env = process.env;
const work = env.FK_WORK;
const users = Number(env.FK_USERS);
const conns = env.FK_CONNS;
const duration = env.FK_DURATION;
const dbPath = join(work, 'fk.db');

/** wrk over a list of paths; returns requests/s and the non-2xx count it reports. */
function wrk(base, paths, name) {
  const list = join(work, `${name}.urls`);
  writeFileSync(list, `${paths.join('\n')}\n`);
  const r = spawnSync('wrk', ['-t', '1', '-c', conns, '-d', `${duration}s`, '-s', join(work, 'list.lua'), base], {
    env: { ...env, FK_URLS: list },
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = /Socket errors:[^\n]*/.exec(r.stdout)?.[0] ?? '';
  return { rps, bad, errors };
}

/** Browser-like: the bench command in --page mode; wrk over page + assets if it is unavailable. */
function pageBench(st, assets) {
  const json = join(work, `${st.name}.json`);
  const r = spawnSync(
    process.execPath,
    ['dist/cli/main.js', 'bench', '--page', '-c', conns, '-d', `${duration}s`, '--warmup', '1s', '--json', json,
      `${st.url}/users/{1..${users}}`],
    { encoding: 'utf8' },
  );
  if (r.status === 0) {
    const res = JSON.parse(readFileSync(json, 'utf8'));
    const saturated = res.generator?.saturated ? ' (generator saturated)' : '';
    return { tool: 'bench --page', pages: res.rates.pageViewsPerS, rps: res.rates.requestsPerS, errors: res.totals.errors, note: saturated };
  }
  // Fallback: one page view = the user page + every asset it links, in order.
  const paths = [];
  for (let u = 1; u <= Math.min(users, 200); u++) paths.push(`/users/${u}`, ...assets.get(u));
  const w = wrk(st.url, paths, `${st.name}-pages`);
  const perPage = paths.length / Math.min(users, 200);
  return { tool: 'wrk (bench failed)', pages: w.rps / perPage, rps: w.rps, errors: w.bad, note: '' };
}

async function assetsOf(url, n) {
  const out = new Map();
  for (let u = 1; u <= n; u++) {
    const html = await (await fetch(`${url}/users/${u}`)).text();
    out.set(u, [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1]));
  }
  return out;
}

const rows = [];
for (const name of env.FK_STAGES.split(/\s+/).filter(Boolean)) {
  const def = await loadStage(name);
  const st = await def.start({ dbPath, workers: Number(env.FK_WORKERS), runDir: join(work, name) });
  try {
    const assets = await assetsOf(st.url, 50);
    const r = pageBench(st, assets);
    rows.push([name, r.pages.toFixed(0), r.rps.toFixed(0), String(r.errors), r.tool + r.note]);
    if (name === 'memcached') await targetCheck(st, assets);
  } finally {
    await st.stop();
  }
}

console.log('stage          pages/s   requests/s   errors   tool');
for (const [n, p, q, e, t] of rows) console.log(`${n.padEnd(14)} ${p.padStart(7)}   ${q.padStart(10)}   ${e.padStart(6)}   ${t}`);

async function targetCheck(st, assets) {
  const statics = [...new Set([...assets.values()].flat())];
  // Pre-fill: the app stores each file in memcached the first time it serves it.
  for (let round = 0; round < 2; round++) for (const p of statics) await (await fetch(st.url + p)).arrayBuffer();
  let hits = 0;
  for (const p of statics) if ((await fetch(st.url + p)).headers.get('x-cache') === 'HIT') hits++;
  const conf = readFileSync(join(st.runDir, 'nginx.conf'), 'utf8');
  const memcachedAddr = /upstream memcached \{\s+server (\S+)/.exec(conf)[1];
  const dir = join(work, 'memcached-only');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const spec = {
    runDir: dir, listenHost: '127.0.0.1', listenPort: port, appPorts: [], memcachedAddr, workerProcesses: 1,
    ...(nginxUser() ? { user: nginxUser() } : {}),
  };
  const bare = await runNginx({ ...spec, conf: renderNginxConf(memcachedOnlySite, spec) }, 'nginx-memcached-only');
  try {
    const viaStage = wrk(st.url, statics, 'static-stage');
    const bareRun = wrk(`http://127.0.0.1:${port}`, statics, 'static-bare');
    const ratio = viaStage.rps / bareRun.rps;
    console.log(`target check (${statics.length} static URLs, ${hits} HIT after pre-fill):`);
    console.log(`  stage memcached, static files:        ${viaStage.rps.toFixed(0)} req/s (non-2xx ${viaStage.bad}) ${viaStage.errors}`);
    console.log(`  nginx + memcached only, no app:       ${bareRun.rps.toFixed(0)} req/s (non-2xx ${bareRun.bad}) ${bareRun.errors}`);
    console.log(`  ratio ${(ratio * 100).toFixed(1)}% — target >= 80%: ${ratio >= 0.8 ? 'MET' : 'NOT MET'}`);
    console.log();
  } finally {
    await bare.stop();
  }
}
NODE
