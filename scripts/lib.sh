# Shared by the scripts in this folder; sourced, never run.
# Sets ROOT to the repository root and offers small helpers.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# log MESSAGE...: a progress line on stderr, so stdout stays for results.
log() { printf '==> %s\n' "$*" >&2; }

# die MESSAGE...: an error on stderr, then exit 1.
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# show_help_if_asked "$@": prints the calling script's header comment (the
# lines after the shebang that start with '#') and exits 0 on -h or --help.
show_help_if_asked() {
  local arg
  for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
      sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
      exit 0
    fi
  done
}

# elapsed SECONDS: "1m 05s".
elapsed() { printf '%dm %02ds' $(($1 / 60)) $(($1 % 60)); }

# free_port: prints a port on 127.0.0.1 that nothing listens on, below the
# kernel's range of ephemeral ports, so that no outgoing connection holds it
# either. Another program may still take it before the caller binds it;
# callers try another when the bind fails.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "found no free port on 127.0.0.1"
}
