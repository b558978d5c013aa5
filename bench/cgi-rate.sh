#!/usr/bin/env bash
# Stage cgi (the talk's 0.1, "CGI strawman": ~23 req/s on their dual-core machine) under each CGI
# host: lighttpd + mod_cgi, and the built-in node gateway. One node process per dynamic request,
# each opening the database and compiling templates. Load: wrk, 8 connections, random users' pages.
# Field notes: Node CGI measured ~24-38 req/s on this 2-core machine; the gateway ~28.
#   bench/cgi-rate.sh                                   # DB=data/flickr-killr.db DURATION=5s
#   DB=/tmp/x.db USERS=200 DURATION=3s bench/cgi-rate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

DB=${DB:-data/flickr-killr.db}
USERS=${USERS:-100000}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-8}
HOSTS=${HOSTS:-lighttpd builtin}

need wrk
ensure_build
ensure_db "$DB" "$USERS"

pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; pid=; }
trap cleanup EXIT

echo "stage cgi: wrk -c $CONNS -d $DURATION, random users of $USERS ($DB), $(nproc) cores"
for host in $HOSTS; do
  if [ "$host" = lighttpd ] && ! command -v lighttpd >/dev/null && [ ! -x /usr/sbin/lighttpd ]; then
    echo "cgi-host lighttpd : skipped (apt-get install lighttpd)"; continue
  fi
  port=$(free_port)
  # serve stops its stage (lighttpd or the gateway, and their CGI children) on SIGTERM.
  node dist/cli/main.js serve --stage cgi --cgi-host "$host" --port "$port" --db "$DB" >/dev/null 2>&1 &
  pid=$!
  wait_port "$port"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/users/1")
  [ "$code" = 200 ] || { echo "cgi-host $host: smoke request answered $code" >&2; exit 1; }
  out=$(USERS=$USERS wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s -s bench/random-user.lua "http://127.0.0.1:$port")
  rps=$(awk '/Requests\/sec:/ {print $2}' <<<"$out")
  lat=$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf 'cgi-host %-8s : %s req/s (mean latency %s%s)\n' "$host" "$rps" "$lat" "${bad:+, non-2xx: $bad}"
  cleanup
done
echo "talk 0.1 (Python CGI, 2007): ~23 req/s"

# Where a request's time goes: one CGI run as the hosts run it (clean env) against a bare node start.
if command -v hyperfine >/dev/null; then
  DB_ABS=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
  hyperfine -N --warmup 3 --runs 20 --export-json /tmp/fk-cgi-rate-$$.json \
    "env -i /usr/bin/env node -e 0" \
    "env -i FK_DB=$DB_ABS REQUEST_METHOD=GET REQUEST_URI=/users/1 $(command -v node) dist/cli/cgi-script.js" >/dev/null
  node -e '
    const r = require(process.argv[1]).results;
    const cpu = (x) => ((x.user + x.system) * 1000).toFixed(1);
    console.log(`one CGI request: ${cpu(r[1])} ms CPU (${(r[1].mean * 1000).toFixed(1)} ms wall); bare node start: ${cpu(r[0])} ms CPU`);
    console.log(`CPU-bound ceiling on ${require("os").availableParallelism()} cores: ~${Math.round(require("os").availableParallelism() / (r[1].user + r[1].system))} req/s`);
  ' /tmp/fk-cgi-rate-$$.json
  rm -f /tmp/fk-cgi-rate-$$.json
fi
