#!/usr/bin/env bash
# `make run`: starts the private PostgreSQL cluster under $SWITCHBOARD_DATA_DIR/pg, then
# `switchboard serve` on the embedded log. Ctrl-C stops the server, then the database.
set -euo pipefail
binary=$1
here=$(cd "$(dirname "$0")" && pwd)
export SWITCHBOARD_DATA_DIR=${SWITCHBOARD_DATA_DIR:-$PWD/var}
mkdir -p "$SWITCHBOARD_DATA_DIR"
SWITCHBOARD_DATA_DIR=$(cd "$SWITCHBOARD_DATA_DIR" && pwd)
export SWITCHBOARD_DATA_DIR
pg_port=${SWITCHBOARD_PG_PORT:-54329}

if [ -z "${SWITCHBOARD_PG_URL:-}" ]; then
  "$here/pg-cluster.sh" start "$SWITCHBOARD_DATA_DIR/pg" "$pg_port" >/dev/null
  export SWITCHBOARD_PG_URL="host=$SWITCHBOARD_DATA_DIR/pg port=$pg_port user=postgres dbname=postgres"
  stop_pg() { "$here/pg-cluster.sh" stop "$SWITCHBOARD_DATA_DIR/pg"; echo "PostgreSQL stopped"; }
  trap stop_pg EXIT
  echo "PostgreSQL running: psql \"$SWITCHBOARD_PG_URL\""
fi
if [ -z "${SWITCHBOARD_ADMIN_KEY:-}" ]; then
  export SWITCHBOARD_ADMIN_KEY=dev-admin-key
  echo "SWITCHBOARD_ADMIN_KEY not set: using '$SWITCHBOARD_ADMIN_KEY' (set it for anything but local development)"
fi

# Ctrl-C reaches the server too (same process group). This script only notes it, waits until
# the server has stopped, then its EXIT trap stops PostgreSQL. A TERM sent to it is passed on.
"$binary" serve &
server=$!
trap 'true' INT
trap 'kill -TERM "$server" 2>/dev/null || true' TERM
while kill -0 "$server" 2>/dev/null; do
  wait "$server" || true
done
