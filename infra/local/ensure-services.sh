#!/usr/bin/env bash
# Makes sure a local Postgres (127.0.0.1:5432, passwordless for user postgres over TCP, database motcua)
# and a local Redis (127.0.0.1:6379, AOF on, maxmemory-policy noeviction) answer. Installs Debian's
# packages when they are missing. Idempotent: running services are left as they are.
#
#   bash infra/local/ensure-services.sh          (CI runs this before the tests)
#
# PG_PORT and REDIS_PORT change the ports. The TypeScript twin is scripts/services.ts (used by `pnpm start`).
set -euo pipefail

PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
DATABASE="${MOTCUA_DATABASE:-motcua}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REDIS_DIR="$ROOT/.motcua/redis"

say() { printf 'ensure-services: %s\n' "$*"; }
die() { printf 'ensure-services: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for: $* (run as root, or: apt-get install postgresql redis-server)"
  fi
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"
  fi
}

wait_for() { # what, command...
  local what="$1"; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not answer within 30 s"
}

# --- install what is missing -------------------------------------------------------------------------
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install PostgreSQL and Redis yourself"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Postgres ----------------------------------------------------------------------------------------
pg_answers() { pg_isready -h 127.0.0.1 -p "$PG_PORT" -q; }
cluster_on_port() { pg_lsclusters -h | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }'; }

if pg_answers; then
  say "Postgres answers on 127.0.0.1:$PG_PORT"
else
  read -r pg_version pg_cluster <<<"$(cluster_on_port)" || true
  if [ -z "${pg_version:-}" ]; then
    pg_version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
    [ -n "$pg_version" ] || die "no PostgreSQL server version under /usr/lib/postgresql: apt-get install postgresql"
    pg_cluster=main
    if pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
      pg_cluster="motcua$PG_PORT"
    fi
    say "creating Postgres cluster $pg_version/$pg_cluster on port $PG_PORT"
    as_root pg_createcluster --port "$PG_PORT" "$pg_version" "$pg_cluster" -- --auth-local=peer --auth-host=trust >/dev/null
  fi
  say "starting Postgres cluster $pg_version/$pg_cluster"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" start
  wait_for "Postgres on :$PG_PORT" pg_answers
fi

admin_url="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
if ! PGCONNECT_TIMEOUT=5 psql -w "$admin_url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  read -r pg_version pg_cluster <<<"$(cluster_on_port)" || true
  [ -n "${pg_version:-}" ] || die "Postgres on :$PG_PORT refuses user postgres without a password and is not a Debian cluster: set DATABASE_URL"
  hba_file="$(as_postgres psql -p "$PG_PORT" -Atqc 'SHOW hba_file')"
  say "allowing passwordless connections from 127.0.0.1 in $hba_file (local development)"
  tmp="$(mktemp)"
  {
    echo "# motcua: passwordless TCP from this machine, for local development"
    echo "host all all 127.0.0.1/32 trust"
    echo "host all all ::1/128 trust"
    cat "$hba_file"
  } >"$tmp"
  as_root cp "$tmp" "$hba_file"
  rm -f "$tmp"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" reload
  wait_for "passwordless Postgres on :$PG_PORT" psql -w "$admin_url" -Atqc 'SELECT 1'
fi

if [ "$(psql -w "$admin_url" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  say "creating database $DATABASE"
  psql -w "$admin_url" -qc "CREATE DATABASE \"$DATABASE\"" >/dev/null
fi

# --- Redis -------------------------------------------------------------------------------------------
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

if redis_answers; then
  say "Redis answers on 127.0.0.1:$REDIS_PORT"
else
  mkdir -p "$REDIS_DIR"
  say "starting redis-server on 127.0.0.1:$REDIS_PORT (data in $REDIS_DIR)"
  redis-server "$ROOT/infra/redis/redis.conf" \
    --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
    --pidfile "$REDIS_DIR/redis-$REDIS_PORT.pid" --logfile "$REDIS_DIR/redis-$REDIS_PORT.log"
  wait_for "Redis on :$REDIS_PORT" redis_answers
fi

policy="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get maxmemory-policy | tail -1)"
if [ "$policy" != noeviction ]; then
  say "Redis maxmemory-policy was $policy; setting noeviction (BullMQ needs it)"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set maxmemory-policy noeviction >/dev/null
fi

say "ready: DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$DATABASE REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
