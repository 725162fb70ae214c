#!/usr/bin/env bash
# Start the deploy example on this machine, on 127.0.0.1 only, and check it end to end:
#   redis-server, an index built once and published to two replica folders, two
#   `qasearch serve` replicas, and nginx with deploy/nginx/qasearch.conf in front of them.
# Checks: a search through nginx; one rate-limit budget across both replicas; one query report
# for both; a newly published generation served by both without a restart; a replica stopped
# while nginx keeps answering. Everything runs in a temporary folder, removed at the end
# (KEEP=1 keeps it), and every process it started is stopped (by its PID).
#
#   deploy/try-local.sh                       # from the repository, after `make test` or `make serve`
#   QASEARCH=/opt/qasearch/.venv/bin/qasearch deploy/try-local.sh
#   NO_NGINX=1 deploy/try-local.sh            # the replicas and Redis only
#   NO_INSTALL=1 deploy/try-local.sh          # never apt-get (nginx is skipped when missing)
#
# redis-server and nginx come from Debian: installed with apt-get when missing and run as
# root; without nginx the checks go to the replicas directly (and say so).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
QASEARCH="${QASEARCH:-$ROOT/.venv/bin/qasearch}"
PY="$(dirname "$QASEARCH")/python"
[ -x "$PY" ] || PY="$(command -v python3)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qasearch-try.XXXXXX")"
PIDS=()

log() { printf '%s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; for f in "$WORK"/*.log "$WORK"/nginx/error.log; do
    [ -s "$f" ] && { printf -- '--- %s\n' "$f" >&2; tail -n 15 "$f" >&2; }; done; exit 1; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

have_or_install() {  # have_or_install BINARY PACKAGE: 0 when BINARY is there (afterwards)
    command -v "$1" >/dev/null 2>&1 && return 0
    [ -x "/usr/sbin/$1" ] && return 0
    if [ "${NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing $2 with apt-get"
        apt-get install -y -q "$2" >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; } ||
            true
    fi
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]
}

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# http URL [HEADER...]: prints "STATUS<TAB>X-RateLimit-Remaining<TAB>body"
http() {
    "$PY" - "$@" <<'PYEOF'
import sys, urllib.error, urllib.request
url, headers = sys.argv[1], dict(h.split(": ", 1) for h in sys.argv[2:])
try:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        status, head, body = r.status, r.headers, r.read()
except urllib.error.HTTPError as e:
    status, head, body = e.code, e.headers, e.read()
except OSError as e:  # not listening (yet)
    status, head, body = 0, {}, str(e).encode()
print(f"{status}\t{head.get('X-RateLimit-Remaining', '')}\t{body.decode('utf-8', 'replace')}")
PYEOF
}

json_get() {  # json_get 'PYTHON EXPRESSION ON d' < body
    "$PY" -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

wait_http() {  # wait_http URL SECONDS: until it answers 200
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        [ "$(http "$1" | cut -f1)" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

[ -x "$QASEARCH" ] || fail "no qasearch at $QASEARCH (run make serve or make test first, or set QASEARCH)"
have_or_install redis-server redis-server || fail "redis-server is not installed (apt-get install redis-server)"
USE_NGINX=1
if [ "${NO_NGINX:-0}" = 1 ]; then USE_NGINX=0; else have_or_install nginx nginx || USE_NGINX=0; fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# -- Redis: rate limits (database 0) and query statistics (database 1) ------------------------
REDIS_PORT="$(free_port)"
mkdir -p "$WORK/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" --save "" \
    --appendonly no --maxmemory-policy noeviction >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
    "$PY" -c "import socket; s = socket.create_connection(('127.0.0.1', $REDIS_PORT), 1); s.sendall(b'PING\r\n'); assert s.recv(7) == b'+PONG\r\n'" 2>/dev/null && break
    sleep 0.1
done
log "ok: redis-server on 127.0.0.1:$REDIS_PORT"

# -- Build once, publish to both replicas' folders ----------------------------------------------
"$QASEARCH" index --quiet --source "$ROOT/scraped" --index "$WORK/build" >"$WORK/index.log" 2>&1 ||
    fail "qasearch index"
"$QASEARCH" publish --index "$WORK/build" --to "$WORK/web1/index" --to "$WORK/web2/index" ||
    fail "qasearch publish"

# -- Two replicas: the example's settings, with this run's ports and folders -------------------
set -a
# shellcheck source=deploy/qasearch.env
. "$ROOT/deploy/qasearch.env"
set +a
QASEARCH_RATE_LIMIT_STORAGE="redis://127.0.0.1:$REDIS_PORT/0"
QASEARCH_QUERY_LOG_STORAGE="redis://127.0.0.1:$REDIS_PORT/1"
QASEARCH_QUERY_LOG_DIR="$WORK/var"
QASEARCH_QUERY_LOG_K=1
QASEARCH_EDITOR_TOKEN="$("$QASEARCH" editor-token)"
export QASEARCH_RATE_LIMIT_STORAGE QASEARCH_QUERY_LOG_STORAGE QASEARCH_QUERY_LOG_DIR \
    QASEARCH_QUERY_LOG_K QASEARCH_EDITOR_TOKEN
[ "$USE_NGINX" = 1 ] || export QASEARCH_TRUSTED_PROXIES=0  # clients reach them directly

PORT1="$(free_port)"; PORT2="$(free_port)"
for n in 1 2; do
    port_var="PORT$n"
    QASEARCH_INDEX_DIR="$WORK/web$n/index" "$QASEARCH" serve --host 127.0.0.1 \
        --port "${!port_var}" >"$WORK/web$n.log" 2>&1 &
    PIDS+=($!)
    eval "WEB${n}_PID=$!"
done
for port in "$PORT1" "$PORT2"; do
    wait_http "http://127.0.0.1:$port/healthz" 60 || fail "replica on port $port did not start"
done
log "ok: replicas on 127.0.0.1:$PORT1 and 127.0.0.1:$PORT2"

# -- nginx with the example config -----------------------------------------------------------
if [ "$USE_NGINX" = 1 ]; then
    NGINX_PORT="$(free_port)"
    mkdir -p "$WORK/nginx/tmp"
    sed -e "s/listen 80;/listen 127.0.0.1:$NGINX_PORT;/" \
        -e "s/127\.0\.0\.1:8001/127.0.0.1:$PORT1/g" -e "s/127\.0\.0\.1:8002/127.0.0.1:$PORT2/g" \
        "$ROOT/deploy/nginx/qasearch.conf" >"$WORK/nginx/qasearch.conf"
    cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
error_log $WORK/nginx/error.log;
pid $WORK/nginx/nginx.pid;
events { worker_connections 64; }
http {
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    proxy_max_temp_file_size 0;
    include $WORK/nginx/qasearch.conf;
}
EOF
    "$NGINX" -t -q -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" ||
        fail "nginx -t"
    "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
        -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
    PIDS+=($!)
    FRONT="http://127.0.0.1:$NGINX_PORT"
    wait_http "$FRONT/healthz" 30 || fail "nginx did not start"
    log "ok: nginx on 127.0.0.1:$NGINX_PORT in front of both"
    FRONTS=("$FRONT" "$FRONT" "$FRONT" "$FRONT")
else
    log "skipped: nginx (not installed and not root, or NO_NGINX=1): checking the replicas directly"
    FRONT="http://127.0.0.1:$PORT1"
    FRONTS=("http://127.0.0.1:$PORT1" "http://127.0.0.1:$PORT2" "http://127.0.0.1:$PORT1"
            "http://127.0.0.1:$PORT2")
fi

# -- Checks ------------------------------------------------------------------------------------
out="$(http "$FRONT/api/search?q=acupuncture+for+back+pain")"
[ "$(cut -f1 <<<"$out")" = 200 ] || fail "search: $(cut -c1-300 <<<"$out")"
total="$(cut -f3- <<<"$out" | json_get 'd["data"]["total"]')"
first="$(cut -f3- <<<"$out" | json_get 'd["data"]["hits"][0]["id"]')"
[ "$total" -gt 0 ] || fail "search found nothing"
log "ok: search through the front: $total results, first $first"

remaining=()
for front in "${FRONTS[@]}"; do  # round robin: alternately replica 1 and 2
    remaining+=("$(http "$front/api/search?q=sleep+problems" | cut -f2)")
done
for ((i = 1; i < ${#remaining[@]}; i++)); do
    [ "${remaining[i]}" -lt "${remaining[i - 1]}" ] ||
        fail "rate-limit budget not shared across replicas (remaining: ${remaining[*]})"
done
log "ok: one rate-limit budget across both replicas (remaining after each: ${remaining[*]})"

report="$(http "$FRONT/api/editor/queries" "Authorization: Bearer $QASEARCH_EDITOR_TOKEN")"
[ "$(cut -f1 <<<"$report")" = 200 ] || fail "query report: $(cut -c1-300 <<<"$report")"
searches="$(cut -f3- <<<"$report" | json_get 'd["data"]["total_searches"]')"
[ "$searches" = 5 ] || fail "query report counts $searches searches, 5 were made"
log "ok: one query report for both replicas ($searches searches counted)"

printf '{"id": "try-local-1", "question": "Is zyxolite therapy safe?", "answer": "%s"}\n' \
    "Zyxolite is a made-up word that only this check's newly published generation contains." \
    >"$WORK/extra.jsonl"
"$QASEARCH" index --quiet --source "$ROOT/scraped" --source "$WORK/extra.jsonl" \
    --index "$WORK/build" >>"$WORK/index.log" 2>&1 || fail "second qasearch index"
"$QASEARCH" publish --index "$WORK/build" --to "$WORK/web1/index" --to "$WORK/web2/index" ||
    fail "second qasearch publish"
for port in "$PORT1" "$PORT2"; do
    out="$(http "http://127.0.0.1:$port/api/search?q=zyxolite")"
    [ "$(cut -f3- <<<"$out" | json_get 'd["data"]["hits"][0]["id"]')" = try-local-1 ] ||
        fail "replica $port does not serve the new generation: $(cut -c1-300 <<<"$out")"
done
log "ok: the new generation is served by both replicas, no restart"

if [ "$USE_NGINX" = 1 ]; then
    kill "$WEB1_PID"; wait "$WEB1_PID" 2>/dev/null || true
    for _ in 1 2 3; do
        out="$(http "$FRONT/api/search?q=zyxolite")"
        [ "$(cut -f1 <<<"$out")" = 200 ] || fail "replica 1 stopped: nginx answered $(cut -c1-200 <<<"$out")"
    done
    log "ok: replica 1 stopped, nginx still answers from replica 2"
fi
log "deploy example: all checks passed"
