# Shared by the bench scripts: `source bench/lib.sh` after cd-ing to the repository root.

# The tool is on PATH, or the script stops with the line that installs it.
need() { command -v "$1" >/dev/null || { echo "$1 is not installed: apt-get install $1" >&2; exit 1; }; }

# dist/ built once; a database seeded with USERS users when DB does not exist yet.
ensure_build() { [ -f dist/cli/main.js ] || npx tsc -p tsconfig.build.json; }
ensure_db() { [ -f "$1" ] || node dist/cli/main.js seed --db "$1" --users "$2"; }

# A currently free loopback port (the OS picks it), and a wait of up to 10 s until one accepts.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_port() {
  for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2
  return 1
}
