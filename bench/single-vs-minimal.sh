#!/usr/bin/env bash
# Stage `single` against a minimal hand-written node:http + better-sqlite3 + template-literal
# server (bench/minimal-server.mjs), same database, same wrk load: 50 connections, random users.
# Target: single >= 80% of minimal's pages/s. Both run as plain compiled JS (dist/ and .mjs).
#   bench/single-vs-minimal.sh            # DB=data/flickr-killr.db DURATION=10s
#   DB=/tmp/x.db USERS=200 DURATION=3s ROUNDS=2 bench/single-vs-minimal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

DB=${DB:-data/flickr-killr.db}
USERS=${USERS:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}

need wrk
ensure_build
ensure_db "$DB" "$USERS"

# Server on core 0, generator on core 1 (field notes), when taskset exists and there are 2+ cores.
SERVER_CPU=() ; CLIENT_CPU=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1); fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, in clock ticks

rate() { # url pid -> "pages/s µs-CPU-per-page" (after a 2 s warm-up)
  USERS=$USERS "${CLIENT_CPU[@]}" wrk -t1 -c"$CONNS" -d2s -s bench/random-user.lua "$1" >/dev/null
  local t0 out t1
  t0=$(cpu_ticks "$2")
  out=$(USERS=$USERS "${CLIENT_CPU[@]}" wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/random-user.lua "$1")
  t1=$(cpu_ticks "$2")
  grep -q 'Non-2xx' <<<"$out" && echo "warning: non-2xx answers from $1" >&2
  # CPU per page is the steadier figure when the machine is not quiet: throughput moves with
  # whatever else runs, the server's own CPU time per request much less.
  awk -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" '/^Requests\/sec:/ { rps = $2 }
    /requests in/ { n = $1 }
    END { printf "%s %.1f\n", rps, (t1 - t0) / hz * 1e6 / n }' <<<"$out"
}

P1=$(free_port)
"${SERVER_CPU[@]}" node dist/cli/main.js serve --stage single --port "$P1" --db "$DB" >/dev/null 2>&1 &
pids+=($!)
P2=$(free_port)
"${SERVER_CPU[@]}" node bench/minimal-server.mjs --port "$P2" --db "$DB" >/dev/null &
pids+=($!)
wait_port "$P1"; wait_port "$P2"
APP_PID=$(served_by_pid "http://127.0.0.1:$P1/")
MIN_PID=${pids[1]}

# ROUNDS > 1 alternates the two and keeps each one's best: fairer on a machine that is not quiet.
best() { # "rps cpu" "rps cpu" -> the pair with the higher rps
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] + 0 > x[1] + 0 ? b : a) }'
}
single="0 0"; minimal="0 0"
for _ in $(seq 1 "${ROUNDS:-1}"); do
  single=$(best "$single" "$(rate "http://127.0.0.1:$P1" "$APP_PID")")
  minimal=$(best "$minimal" "$(rate "http://127.0.0.1:$P2" "$MIN_PID")")
done
read -r s_rps s_cpu <<<"$single"
read -r m_rps m_cpu <<<"$minimal"
echo "stage single (serve --stage single): ${s_rps} pages/s, ${s_cpu} µs server CPU per page"
echo "minimal node:http + better-sqlite3:  ${m_rps} pages/s, ${m_cpu} µs server CPU per page"
awk -v a="$s_rps" -v b="$m_rps" -v c="$s_cpu" -v d="$m_cpu" 'BEGIN {
  printf "single / minimal: %.0f%% of the pages/s, %.0f%% by CPU per page (target >= 80%%)\n", 100 * a / b, 100 * d / c }'
