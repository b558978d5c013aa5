#!/usr/bin/env bash
# CPU per request of our generator over HTTPS vs wrk, on the same nginx TLS endpoint: our own
# nginx on loopback, a self-signed certificate made by openssl into a temp dir, a 1 KB static file,
# 50 keep-alive connections, nginx pinned to core 0 and each tool to core 1 (taskset) — the method
# of bench/generator-vs-wrk.sh. Target (issue 13): ours <= 1.25x wrk, as for HTTP.
# nginx: TLS 1.2 and 1.3 offered (nginx 1.22 leaves 1.3 out by default), so TLS 1.3 is spoken, with an ECDSA P-256 certificate, as most sites serve today;
# the record cipher is whatever both sides prefer (AES-256-GCM here, AES-NI on this CPU).
# CPU is the tool's own user+sys time (bash `times` after it exits), start-up included.
# Also: the same with a new connection per request (nginx keepalive_timeout 0), where every
# request pays a TLS handshake: ours resumes each virtual user's session, wrk does full ones.
# The keep-alive rows run ROUNDS times, interleaved (wrk, ours, minimal loop, wrk, ...), and the
# verdict takes the median of the per-round ratios: on a shared machine one round can be 2x off.
# Usage: ROUNDS=3 bench/https-vs-wrk.sh [SECONDS]   (needs: npx tsc -p tsconfig.build.json first)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS="${1:-5}"
ROUNDS="${ROUNDS:-3}"
CONNS=50
for bin in nginx wrk taskset openssl; do need "$bin"; done
ensure_build
DIR="$(mktemp -d /tmp/fk-httpsbench.XXXXXX)"
PORT="$(free_port)"
PORT2="$(free_port)"
while [ "$PORT2" = "$PORT" ]; do PORT2="$(free_port)"; done
one_kb_site "$DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
nginx_conf "$DIR" "  ssl_certificate $DIR/cert.pem; ssl_certificate_key $DIR/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3; # nginx 1.22 defaults to TLSv1-1.2; browsers negotiate 1.3
  server { listen 127.0.0.1:$PORT ssl; root $DIR/html; }
  server { listen 127.0.0.1:$PORT2 ssl; root $DIR/html; keepalive_timeout 0; }"
start_nginx "$DIR"
cleanup() { kill "$NGINX" 2>/dev/null || true; wait "$NGINX" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
wait_port "$PORT"
URL="https://127.0.0.1:$PORT/1k.txt"
URL2="https://127.0.0.1:$PORT2/1k.txt"
curl -skf "$URL" >/dev/null || { echo "nginx does not answer on $URL" >&2; exit 1; }
echo "$(openssl version); $(nginx -v 2>&1); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); node $(node --version)"
echo "TLS: $(echo | openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null | grep -E '^New,|Cipher is' | head -1)"

cpu_of() { # runs "$@" on core 1; prints its user+sys CPU seconds; output in $DIR/out
  local out
  out="$(bash -c 'taskset -c 1 "$@" > '"$DIR/out"' 2>&1; times' _ "$@" | tail -1)"
  echo "$out" | awk '{ split($1,u,"[ms]"); split($2,s,"[ms]"); printf "%.6f", u[1]*60+u[2]+s[1]*60+s[2] }'
}
row() { # name cpu requests seconds
  awk -v n="$1" -v c="$2" -v r="$3" -v s="$4" 'BEGIN { printf "%-34s %10.0f %10.0f %12.2f\n", n, r/s, r, c*1e6/r }'
  awk -v n="$1" -v c="$2" -v r="$3" 'BEGIN { printf "%s|%f\n", n, c*1e6/r }' >> "$DIR/rows"
}
ours() { # label URL extra-args...: one run of our generator, its responses from the JSON result
  local label="$1" url="$2"; shift 2
  local c r
  c="$(cpu_of node dist/cli/main.js bench --insecure -t 1 -c $CONNS -d "${SECS}s" "$@" --json "$DIR/ours.json" "$url")"
  r="$(node -e 'const j=require(process.argv[1]); console.log(j.generator.allResponses)' "$DIR/ours.json")"
  row "$label" "$c" "$r" "$SECS"
  grep -E 'WARNING|TLS ' "$DIR/out" | sed 's/^/    /' || true
}
wrk_row() { # label URL
  local c r
  c="$(cpu_of wrk -t1 -c$CONNS -d"${SECS}s" "$2")"
  r="$(grep -Eo '^ *[0-9]+ requests in' "$DIR/out" | grep -Eo '[0-9]+')"
  grep -q "Non-2xx\|errors:" "$DIR/out" && sed 's/^/    /' "$DIR/out" | grep -E "Non-2xx|errors" || true
  row "$1" "$c" "$r" "$SECS"
}

printf "%-34s %10s %10s %12s\n" "tool (HTTPS, 50 conns)" "req/s" requests "CPU us/req"
for round in $(seq "$ROUNDS"); do
  echo "round $round, keep-alive:"
  wrk_row "wrk -t1" "$URL"
  ours "flickr-killr bench -t1" "$URL"
  c="$(cpu_of node bench/bench-minimal-loop.mjs "$URL" $CONNS 1 "$SECS")"
  row "minimal Node tls loop" "$c" "$(tail -1 "$DIR/out")" "$SECS"
done
echo "new connection per request (keepalive_timeout 0), once:"
wrk_row "wrk -t1 (full handshakes)" "$URL2"
ours "flickr-killr bench -t1 (resumed)" "$URL2"
# Per round: ours / wrk and minimal / wrk (keep-alive rows come in threes); the median of each.
ratios() { # column of the row within its round (1: ours, 2: minimal) -> one ratio per round, sorted
  awk -F'|' -v R="$ROUNDS" -v k="$1" 'NR <= 3 * R { v[(NR - 1) % 3] = $2; if ((NR - 1) % 3 == 2) print v[k] / v[0] }' "$DIR/rows" | sort -g
}
median() { awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf "keep-alive, median of %d rounds: ours %.2fx wrk (target <= 1.25), minimal Node tls loop %.2fx wrk\n" \
  "$ROUNDS" "$(ratios 1 | median)" "$(ratios 2 | median)"
