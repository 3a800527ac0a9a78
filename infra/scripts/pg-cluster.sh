#!/usr/bin/env bash
# Runs a private PostgreSQL cluster that touches no system service.
#   pg-cluster.sh start DIR [PORT]   cluster under DIR, socket in DIR, TCP on 127.0.0.1:PORT
#   pg-cluster.sh stop DIR
#   pg-cluster.sh test-start STATE   throwaway cluster under /tmp (fsync off); URL in STATE/url
#   pg-cluster.sh test-stop STATE    stops it and deletes its files
# As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg-cluster: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The server user must be able to reach DIR: grant traversal (not listing) on ancestors that deny it.
grant_traversal() {
  [ "$(id -u)" = 0 ] || return 0
  local d
  d=$(dirname "$(readlink -f "$1")")
  while [ "$d" != "/" ]; do
    if ! runuser -u postgres -- test -x "$d"; then
      echo "pg-cluster: granting traversal of $d to the postgres user" >&2
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

init_cluster() {  # DIR PORT LISTEN DURABLE
  local dir=$1 port=$2 listen=$3 durable=$4
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; exit 1; }
    rm -f "$dir.initdb.log"
    {
      echo "listen_addresses = '$listen'"
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      echo "max_connections = 200"
      echo "shared_buffers = 256MB"
      if [ "$durable" = no ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | as_pg tee -a "$dir/postgresql.conf" >/dev/null
  fi
}

start_cluster() {  # DIR
  local dir=$1
  if as_pg "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then return 0; fi
  rm -f "$dir/postmaster.pid"
  as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 120 start >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2; exit 1; }
}

stop_cluster() {  # DIR
  local dir=$1
  [ -f "$dir/PG_VERSION" ] || return 0
  as_pg "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

url_of() {  # DIR
  local port
  port=$(sed -n "s/^port = \([0-9]*\)$/\1/p" "$1/postgresql.conf" | tail -n 1)
  echo "host=$1 port=$port user=postgres dbname=postgres"
}

cmd=${1:-}
case "$cmd" in
  start)
    dir=$(readlink -m "$2"); port=${3:-54329}
    grant_traversal "$dir"
    init_cluster "$dir" "$port" 127.0.0.1 yes
    start_cluster "$dir"
    url_of "$dir"
    ;;
  stop)
    stop_cluster "$(readlink -m "$2")"
    ;;
  url)
    url_of "$(readlink -m "$2")"
    ;;
  test-start)
    state=$2
    mkdir -p "$state"
    if [ -f "$state/dir" ]; then stop_cluster "$(cat "$state/dir")"; rm -rf "$(cat "$state/dir")"; fi
    dir=$(mktemp -d /tmp/sb-test-pg.XXXXXX)
    echo "$dir" >"$state/dir"
    init_cluster "$dir" 5432 "" no
    start_cluster "$dir"
    url_of "$dir" >"$state/url"
    echo "test cluster at $dir: $(cat "$state/url")"
    ;;
  test-stop)
    state=$2
    if [ -f "$state/dir" ]; then
      stop_cluster "$(cat "$state/dir")"
      rm -rf "$(cat "$state/dir")" "$state/dir" "$state/url"
    fi
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop|url DIR [PORT] | test-start|test-stop STATE" >&2
    exit 2
    ;;
esac
