#!/usr/bin/env bash
# The full demo data into PostgreSQL (the own cluster, COPY) next to SQLite, in one run, from a
# temp working directory (its data/pg is removed afterwards). Target: PostgreSQL seed <= 15 s.
#   bash bench/pg-seed.sh               # USERS=100000
#   USERS=20000 bash bench/pg-seed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

USERS=${USERS:-100000}
ensure_build
cli="$PWD/dist/cli/main.js"
tmp=$(mktemp -d /tmp/fk-pg-seed-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# PostgreSQL refuses to run as root: as root the cluster runs as `postgres`, which must enter $tmp.
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$tmp"; fi

run() { # label, seed args...
  local label=$1; shift
  echo "== $label"
  (cd "$tmp" && /usr/bin/time -f '   whole command: %e s wall, %U s user, %S s sys (this process)' node "$cli" seed "$@" --users "$USERS")
}
run "SQLite (one transaction, prepared INSERTs)" --db sqlite.db
run "PostgreSQL own cluster, first run: initdb + start + COPY seed + stop" --db postgres
run "PostgreSQL own cluster again, --force: start + COPY seed + stop" --db postgres --force
echo "== sizes"
du -sh "$tmp/sqlite.db" "$tmp/data/pg" | sed 's/^/   /'
