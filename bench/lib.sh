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
# The pid of the app process behind `serve` at URL: it names itself in X-Served-By (app-<pid>),
# and its CPU, not serve's, is what a page costs.
served_by_pid() { curl -sI "$1" | tr -d '\r' | awk -F'app-' 'tolower($0) ~ /^x-served-by:/ { print $2 }'; }

# DIR/html/1k.txt, the static file both generator comparisons fetch; readable by an nginx worker
# that runs as nobody (nginx started as root drops to it).
one_kb_site() {
  mkdir -p "$1/html"
  chmod 755 "$1" "$1/html"
  head -c 1024 /dev/zero | tr '\0' 'x' > "$1/html/1k.txt"
  chmod 644 "$1/html/1k.txt"
}

# nginx.conf for DIR, in the foreground with every path inside DIR; $2: extra lines of the http
# block (the server blocks). Started on core 0 by start_nginx, which sets NGINX to its PID.
nginx_conf() {
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fcgi;
  uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
  keepalive_requests 100000000;
$2
}
CONF
}
start_nginx() {
  taskset -c 0 nginx -p "$1" -c "$1/nginx.conf" -e "$1/error.log" &
  NGINX=$!
}
