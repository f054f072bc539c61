#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests, on its own port and directory.
#   scripts/pg-cluster.sh start DIR PORT   -> prints the admin URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/pg-cluster.sh stop DIR         -> stops it and removes DIR
#   scripts/pg-cluster.sh halt DIR         -> stops it and keeps DIR (a later start reuses the data)
# Installs Debian's PostgreSQL server when it is missing. initdb and postgres refuse to run as
# root, so as root they run as the `postgres` user.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}

bindir() {
    local b
    b=$(pg_config --bindir 2>/dev/null || true)
    if [ -z "$b" ] || [ ! -x "$b/initdb" ]; then
        b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    echo "$b"
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN=$(bindir)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    echo "PostgreSQL server not found; installing Debian's postgresql package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    BIN=$(bindir)
fi

case "$cmd" in
start)
    port=${3:?port}
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$BIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
    fi
    # random_page_cost=1.1: as README.md's "Using PostgreSQL" recommends for a deployment (the
    # planner's cost of a random page read on SSD or cached data); the rest trade durability for
    # speed, for throwaway data only.
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c random_page_cost=1.1" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
halt)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
*) echo "usage: $0 start DIR PORT | stop DIR | halt DIR" >&2; exit 2 ;;
esac
