#!/usr/bin/env bash
# What PostgreSQL costs a page: the minimal page servers on SQLite (bench/minimal-server.mjs) and
# on PostgreSQL (bench/pg-minimal-server.mjs, once per pool size in POOLS), same data (same
# --seed), same wrk load (50 connections, random users), same run, ROUNDS rounds alternating the
# servers (each keeps its best). Reports pages/s and CPU per page, the PostgreSQL backends' CPU
# included. Seeds both into a temp dir (removed afterwards). With SINGLE=1 (the default) it also
# runs stage `single` on the same PostgreSQL (`serve --stage single --db URL`) and prints it
# against the minimal server with pool 1 (issue 9's target: >= 80 %).
#   bash bench/pg-minimal.sh            # USERS=100000 DURATION=10s POOLS="1 4" ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

USERS=${USERS:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
POOLS=${POOLS:-1 4}
ROUNDS=${ROUNDS:-2}
need wrk
ensure_build
tmp=$(mktemp -d /tmp/fk-pg-minimal-XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$tmp"; fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

cli="$PWD/dist/cli/main.js"
(cd "$tmp" && node "$cli" seed --db fk.db --users "$USERS" >/dev/null && node "$cli" seed --db postgres --users "$USERS" >/dev/null 2>&1)
# The own cluster, kept running for the benchmark (seed stops it after itself).
node --input-type=module -e "
  const { startOwnPostgres } = await import('$PWD/dist/store/postgres/cluster.js');
  const pg = await startOwnPostgres({ dataDir: '$tmp/data/pg' });
  console.log(pg.url, pg.service.pid);
  process.on('SIGTERM', async () => { await pg.stop(); process.exit(0); });
  setInterval(() => {}, 1 << 30);" >"$tmp/pg.out" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$tmp/pg.out" ] && break; sleep 0.1; done
read -r PG_URL PG_PID <"$tmp/pg.out"

SERVER_CPU=(); CLIENT_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1); fi
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pg_ticks() { # the postmaster and every backend (its children)
  local sum=0 p
  for p in "$PG_PID" $(pgrep -P "$PG_PID"); do sum=$((sum + $(cpu_ticks "$p"))); done
  echo "$sum"
}
rate() { # url pid -> "pages/s node-µs-per-page pg-µs-per-page"
  USERS=$USERS "${CLIENT_CPU[@]}" wrk -t1 -c"$CONNS" -d2s -s bench/random-user.lua "$1" >/dev/null
  local t0 p0 out t1 p1
  t0=$(cpu_ticks "$2"); p0=$(pg_ticks)
  out=$(USERS=$USERS "${CLIENT_CPU[@]}" wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/random-user.lua "$1")
  t1=$(cpu_ticks "$2"); p1=$(pg_ticks)
  grep -q 'Non-2xx' <<<"$out" && echo "warning: non-2xx answers from $1" >&2
  awk -v t0="$t0" -v t1="$t1" -v p0="$p0" -v p1="$p1" -v hz="$(getconf CLK_TCK)" '/^Requests\/sec:/ { rps = $2 }
    /requests in/ { n = $1 }
    END { printf "%s %.1f %.1f\n", rps, (t1 - t0) / hz * 1e6 / n, (p1 - p0) / hz * 1e6 / n }' <<<"$out"
}

best() { # "rps ..." "rps ..." -> the one with the higher rps
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] + 0 > x[1] + 0 ? b : a) }'
}
names=(sqlite); ports=(); spids=()
P=$(free_port)
"${SERVER_CPU[@]}" node bench/minimal-server.mjs --port "$P" --db "$tmp/fk.db" >/dev/null &
pids+=($!); ports+=("$P"); spids+=($!)
for pool in $POOLS; do
  P=$(free_port)
  "${SERVER_CPU[@]}" node bench/pg-minimal-server.mjs --port "$P" --db "$PG_URL" --pool "$pool" >/dev/null &
  pids+=($!); ports+=("$P"); spids+=($!); names+=("postgres-pool-$pool")
done
if [ "${SINGLE:-1}" = 1 ]; then
  P=$(free_port)
  "${SERVER_CPU[@]}" node dist/cli/main.js serve --stage single --port "$P" --db "$PG_URL" >"$tmp/serve.log" 2>&1 &
  pids+=($!); ports+=("$P"); names+=("stage-single-postgres")
  wait_port "$P"
  spids+=("$(served_by_pid "http://127.0.0.1:$P/")")
fi
for P in "${ports[@]}"; do wait_port "$P"; done
results=()
for i in "${!ports[@]}"; do results+=("0 0 0"); done
for _ in $(seq 1 "$ROUNDS"); do
  for i in "${!ports[@]}"; do results[$i]=$(best "${results[$i]}" "$(rate "http://127.0.0.1:${ports[$i]}" "${spids[$i]}")"); done
done
read -r s_rps _ <<<"${results[0]}"
printf '%-20s %10s %12s %12s %10s\n' server pages/s node-µs/page pg-µs/page vs-sqlite
for i in "${!ports[@]}"; do
  read -r rps cpu db <<<"${results[$i]}"
  [ "$i" = 0 ] && db=-
  awk -v n="${names[$i]}" -v r="$rps" -v c="$cpu" -v d="$db" -v s="$s_rps" \
    'BEGIN { printf "%-20s %10.0f %12.1f %12s %9.0f%%\n", n, r, c, d, 100 * r / s }'
done
if [ "${SINGLE:-1}" = 1 ]; then
  last=$((${#ports[@]} - 1)) pool1=
  for i in "${!names[@]}"; do if [ "${names[$i]}" = postgres-pool-1 ]; then pool1=$i; fi; done
  [ -n "$pool1" ] || { echo "no pool-1 server to compare stage single with: put 1 in POOLS" >&2; exit 0; }
  read -r g_rps g_cpu _ <<<"${results[$last]}"
  read -r m_rps m_cpu _ <<<"${results[$pool1]}"
  awk -v a="$g_rps" -v b="$m_rps" -v c="$g_cpu" -v d="$m_cpu" 'BEGIN {
    printf "stage single on PostgreSQL / minimal node:http + postgres (pool 1): %.0f%% of the pages/s, %.0f%% by app CPU per page (target >= 80%%)\n", 100 * a / b, 100 * d / c }'
fi
