#!/usr/bin/env bash
# CPU per request of our generator vs wrk and autocannon 9, against nginx serving a 1 KB static
# file on loopback, 50 connections, nginx pinned to core 0 and the generator to core 1 (taskset).
# Targets (issue): ours <= 1.25x wrk and <= 0.8x autocannon with 1 thread; <= 4 us with -p 10;
# requests/s within 10% of wrk's when the server is the bottleneck.
# The pipelined rows use a second server block with Debian's stock `sendfile on; tcp_nopush on;`:
# nginx then holds its cork until it has answered every pipelined request it read, so ~5
# responses arrive per read. Without it nginx writes each response as its own segment and a client
# wakes and reads once per response (perf: ~0.95 reads per response). The minimal loop -p10 then
# costs ~8.5 us (6.7 if it refilled only once all 10 were answered, which no longer keeps 10 in
# flight) against 3.0-3.2 us with the cork; the "same, nginx w/o nopush" row shows ours there.
# CPU is the tool's own user+sys time, read with bash `times` after it exits (GNU time is not
# installed); it includes Node's start-up (~45 ms), negligible over a few seconds of requests.
# Usage: bench/generator-vs-wrk.sh [SECONDS]   (needs: npx tsc -p tsconfig.build.json first)
set -euo pipefail
SECS="${1:-5}"
CONNS=50
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(mktemp -d /tmp/fk-genbench.XXXXXX)"
cd "$ROOT"
source bench/lib.sh
for bin in nginx wrk taskset; do need "$bin"; done
ensure_build
PORT="$(free_port)"
PORT2="$(free_port)"
while [ "$PORT2" = "$PORT" ]; do PORT2="$(free_port)"; done
one_kb_site "$DIR"
nginx_conf "$DIR" "  server { listen 127.0.0.1:$PORT; root $DIR/html; }
  server { listen 127.0.0.1:$PORT2; root $DIR/html; sendfile on; tcp_nopush on; }"
start_nginx "$DIR"
cleanup() { kill "$NGINX" 2>/dev/null || true; wait "$NGINX" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/1k.txt" >/dev/null 2>&1 && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/1k.txt"
URL2="http://127.0.0.1:$PORT2/1k.txt" # sendfile + tcp_nopush: for the pipelined rows

# Runs "$@" on core 1; prints "<cpu seconds> " (children user+sys) after its output file is written.
cpu_of() {
  local out
  out="$(bash -c 'taskset -c 1 "$@" > '"$DIR/out"' 2>&1; times' _ "$@" | tail -1)"
  # `times` line 2: "<user>m<sec>s <sys>m<sec>s" for the children
  echo "$out" | awk '{ split($1,u,"[ms]"); split($2,s,"[ms]"); printf "%.6f", u[1]*60+u[2]+s[1]*60+s[2] }'
}

row() { # name cpu requests seconds; also appends "name|req/s|us/req" to $DIR/rows for the verdict
  awk -v n="$1" -v c="$2" -v r="$3" -v s="$4" 'BEGIN { printf "%-28s %12.0f %10.0f %12.2f\n", n, r/s, r, c*1e6/r }'
  awk -v n="$1" -v c="$2" -v r="$3" -v s="$4" 'BEGIN { printf "%s|%f|%f\n", n, r/s, c*1e6/r }' >> "$DIR/rows"
}

printf "%-28s %12s %10s %12s\n" tool "req/s" requests "CPU us/req"
c="$(cpu_of wrk -t1 -c$CONNS -d${SECS}s "$URL")"
r="$(grep -Eo '^ *[0-9]+ requests in' "$DIR/out" | grep -Eo '[0-9]+')"
row "wrk -t1" "$c" "$r" "$SECS"
grep -q "Non-2xx" "$DIR/out" && { echo "wrk saw non-2xx responses: check $DIR" >&2; exit 1; }

c="$(cpu_of node "$ROOT/dist/cli/main.js" bench -t 1 -c $CONNS -d ${SECS}s --json "$DIR/ours.json" "$URL")"
r="$(node -e 'const j=require(process.argv[1]); console.log(j.generator.allResponses)' "$DIR/ours.json")"
row "flickr-killr bench -t1" "$c" "$r" "$SECS"
grep -E 'WARNING' "$DIR/out" || true

c="$(cpu_of node "$ROOT/node_modules/.bin/autocannon" -j -c $CONNS -d "$SECS" "$URL")"
r="$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(j.requests.total)' "$DIR/out")"
row "autocannon 9" "$c" "$r" "$SECS"

c="$(cpu_of node "$ROOT/dist/cli/main.js" bench -t 1 -c $CONNS -p 10 -d ${SECS}s --json "$DIR/ours.json" "$URL2")"
r="$(node -e 'const j=require(process.argv[1]); console.log(j.generator.allResponses)' "$DIR/ours.json")"
row "flickr-killr bench -t1 -p10" "$c" "$r" "$SECS"

c="$(cpu_of node "$ROOT/dist/cli/main.js" bench -t 1 -c $CONNS -p 10 -d ${SECS}s --json "$DIR/ours.json" "$URL")"
r="$(node -e 'const j=require(process.argv[1]); console.log(j.generator.allResponses)' "$DIR/ours.json")"
row "  same, nginx w/o nopush" "$c" "$r" "$SECS"

c="$(cpu_of node "$ROOT/node_modules/.bin/autocannon" -j -p 10 -c $CONNS -d "$SECS" "$URL2")"
r="$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(j.requests.total)' "$DIR/out")"
row "autocannon 9 -p10" "$c" "$r" "$SECS"

# Calibration: the floor for any Node generator here (raw net.Socket, no statistics).
c="$(cpu_of node "$ROOT/bench/bench-minimal-loop.mjs" "$URL" $CONNS 1 "$SECS")"
r="$(tail -1 "$DIR/out")"
row "minimal Node loop" "$c" "$r" "$SECS"
c="$(cpu_of node "$ROOT/bench/bench-minimal-loop.mjs" "$URL2" $CONNS 10 "$SECS")"
r="$(tail -1 "$DIR/out")"
row "minimal Node loop -p10" "$c" "$r" "$SECS"

echo "(-p10 rows: nginx with sendfile on; tcp_nopush on - Debian's stock nginx.conf - except 'w/o nopush')"
awk -F'|' '{ rps[$1] = $2; us[$1] = $3 }
  END {
    o = "flickr-killr bench -t1"; p = "flickr-killr bench -t1 -p10"
    printf "targets: CPU %.2fx wrk (<= 1.25), %.2fx autocannon (<= 0.8), -p10 %.2f us (<= 4); req/s %.0f%% of wrk (>= 90%%)\n",
      us[o] / us["wrk -t1"], us[o] / us["autocannon 9"], us[p], 100 * rps[o] / rps["wrk -t1"]
  }' "$DIR/rows"

# First request latency of a cold start: the result records it.
node "$ROOT/dist/cli/main.js" bench -t 2 -c $CONNS -n 1000 --json "$DIR/ours.json" "$URL" >/dev/null
node -e 'const j=require(process.argv[1]); console.log(`first request after ${j.generator.firstRequestMs} ms (2 worker threads)`)' "$DIR/ours.json"
