#!/usr/bin/env bash
# Usage: scripts/lib/pg_cluster.sh start DIR [NAME=VALUE...]
#        scripts/lib/pg_cluster.sh stop DIR
#        scripts/lib/pg_cluster.sh status DIR
#        scripts/lib/pg_cluster.sh url DIR [DATABASE]
#        scripts/lib/pg_cluster.sh psql DIR [PSQL-ARGUMENT...]
#
# A throwaway PostgreSQL cluster in DIR, on 127.0.0.1 only, for the tests
# and the scripts that need a database server. It uses the server programs
# of Debian's postgresql-15 package (scripts/setup installs them), never a
# cluster of the system's own.
#
#   start   Creates the cluster in DIR/data when there is none (superuser
#           `postgres`, trust authentication, UTF8, locale C; NAME=VALUE
#           settings go into its configuration, and only at creation),
#           starts it on a free port (the same port again on a later start),
#           waits until it accepts connections and prints its URL. Does
#           nothing but print the URL when it already runs.
#   stop    Stops the cluster (fast shutdown: open sessions are ended), if
#           it runs. DIR stays, for a later start or for the caller to
#           remove.
#   status  Exit code 0 when the cluster runs, 3 when it does not.
#   url     Prints postgresql://postgres@127.0.0.1:PORT/DATABASE
#           (DATABASE defaults to postgres).
#   psql    Runs psql against the `postgres` database with the arguments.
#
# initdb and postgres refuse to run as root: as root, they run as the
# `postgres` system user (which the package creates), DIR is handed to it,
# and every folder above DIR must let it through (a folder under /tmp
# does). Otherwise they run as the current user. The server's log is
# DIR/server.log. PG_BINDIR, when set, names the folder of initdb and
# pg_ctl.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
show_help_if_asked "$@"

usage() { die "usage: $0 start|stop|status|url|psql DIR ... (see --help)"; }
[[ $# -ge 2 ]] || usage
command="$1"
dir="$(realpath -m "$2")"
shift 2

# The server programs: PG_BINDIR, else the newest Debian server package's,
# else initdb on PATH.
find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    [[ -x "$PG_BINDIR/initdb" ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
    echo "$PG_BINDIR"
    return
  fi
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
      echo "$candidate"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return
  fi
  die "the PostgreSQL server programs (initdb, pg_ctl) are not installed; run scripts/setup, which installs postgresql-15"
}

# as_owner COMMAND...: runs COMMAND as the user that owns the cluster.
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

data="$dir/data"
port_file="$dir/port"

url_of() {
  [[ -f "$port_file" ]] || die "no cluster was started in $dir"
  printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$(cat "$port_file")" "${1:-postgres}"
}

is_running() {
  [[ -f "$data/postmaster.pid" ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

create_cluster() {
  mkdir -p "$dir"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 ||
      die "there is no postgres user to run the server as; run scripts/setup, which installs postgresql-15"
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot write to $dir: a folder above it does not let others through; use a folder under /tmp"
  fi
  # --no-sync: the cluster is thrown away, so initdb need not wait for the disk.
  if ! as_owner "$bindir/initdb" --pgdata="$data" --username=postgres --auth=trust \
      --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $data"
  fi
  # The settings this helper owns live in a file of their own that every
  # start rewrites; the caller's settings follow postgresql.conf's own.
  local setting value
  {
    echo "include 'kit_cluster.conf'"
    for setting in "$@"; do
      [[ "$setting" == *=* ]] || die "a setting must be NAME=VALUE, not '$setting'"
      value="${setting#*=}"
      printf "%s = '%s'\n" "${setting%%=*}" "${value//"'"/"''"}"
    done
  } | as_owner tee -a "$data/postgresql.conf" >/dev/null
}

start() {
  bindir="$(find_bindir)"
  if is_running; then
    url_of
    return
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    create_cluster "$@"
  elif [[ $# -gt 0 ]]; then
    die "settings are fixed when the cluster is created; $data already exists"
  fi
  # The port of an earlier start is kept, so a restart keeps the URL.
  local fixed_port=false port attempt
  if [[ -f "$port_file" ]]; then
    fixed_port=true
    port="$(cat "$port_file")"
  fi
  for attempt in 1 2 3 4 5; do
    [[ "$fixed_port" == true ]] || port="$(free_port)"
    # TCP only: Debian's socket folder, /var/run/postgresql, may not exist
    # and belongs to the system's clusters, and a socket in DIR could pass
    # the 107-byte limit of a socket path.
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = ''\n" \
      "$port" | as_owner tee "$data/kit_cluster.conf" >/dev/null
    if as_owner "$bindir/pg_ctl" --pgdata="$data" --log="$dir/server.log" --wait --timeout=60 \
        --silent start >/dev/null; then
      [[ "$fixed_port" == true ]] || echo "$port" >"$port_file"
      url_of
      return
    fi
    if [[ "$fixed_port" == true ]] || ! tail -n 20 "$dir/server.log" | grep -q "could not bind"; then
      break
    fi
    log "pg_cluster: port $port was taken; trying another (attempt $attempt)"
  done
  tail -n 20 "$dir/server.log" >&2 || true
  die "PostgreSQL did not start in $data (its log: $dir/server.log)"
}

stop() {
  bindir="$(find_bindir)"
  is_running || return 0
  as_owner "$bindir/pg_ctl" --pgdata="$data" --mode=fast --wait --timeout=60 --silent stop ||
    as_owner "$bindir/pg_ctl" --pgdata="$data" --mode=immediate --wait --silent stop
}

case "$command" in
  start) start "$@" ;;
  stop) [[ $# -eq 0 ]] || usage; stop ;;
  status)
    [[ $# -eq 0 ]] || usage
    bindir="$(find_bindir)"
    is_running || exit 3
    ;;
  url) [[ $# -le 1 ]] || usage; url_of "$@" ;;
  psql)
    bindir="$(find_bindir)"
    "$bindir/psql" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --dbname="$(url_of)" "$@"
    ;;
  *) usage ;;
esac
