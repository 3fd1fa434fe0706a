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

# start_listening_server [OPTION...] -- COMMAND [ARGUMENT...]
# Starts COMMAND in the background, a child of the calling shell (so that the
# caller can `wait` for it), with stdin from /dev/null, and waits until its
# stdout holds the line every server of the kit prints once bound:
# `listening on http://HOST:PORT`. Options:
#   --dir DIR          COMMAND runs in DIR (default: the caller's folder)
#   --stdout FILE      COMMAND's stdout, emptied first (default: DIR/stdout)
#   --stderr FILE|-    COMMAND's stderr, appended to, so that restarts keep
#                      one log (default: DIR/stderr); - leaves it as the
#                      caller's (a terminal, say)
#   --timeout SECONDS  how long to wait for the line (default 10)
#   --name NAME        what the messages call it (default: COMMAND's name)
#   --pid-var VAR      the variable set to COMMAND's pid (default server_pid)
#   --url-var VAR      the variable set to the URL (default server_url)
# Without --dir, --stdout and --stderr are required. FILE, and COMMAND when
# a relative path, are the caller's: relative to its folder, not DIR (the
# ARGUMENTs are COMMAND's, which runs in DIR). A VAR may be an array
# element, `PID[$target]`, or a local of the caller; it must start with a
# letter. The pid is set as soon as COMMAND starts, so that a trap of the
# caller's stops it even while this waits; COMMAND may be `setsid PROGRAM`
# (not a group leader here, setsid execs PROGRAM in place: the pid is the
# program's). Returns 0 once the line is there, the URL set. Returns 1, the
# pid variable emptied, with the reason on stderr when COMMAND exited before
# printing the line (its exit code and its stderr's last lines) or printed
# none within the timeout (then it is stopped: SIGTERM, SIGKILL after 2 s).
# Only a complete line counts (one that ends in a newline). Dies on a
# misuse (an unknown option, say).
start_listening_server() {
  local _dir="" _out="" _err="" _timeout=10 _name="" _pid_var=server_pid _url_var=server_url
  local _pid _url="" _line _code=0 _i _var
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir | --stdout | --stderr | --timeout | --name | --pid-var | --url-var)
        [[ $# -ge 2 ]] || die "start_listening_server: $1 needs a value"
        case "$1" in
          --dir) _dir="$2" ;;
          --stdout) _out="$2" ;;
          --stderr) _err="$2" ;;
          --timeout) _timeout="$2" ;;
          --name) _name="$2" ;;
          --pid-var) _pid_var="$2" ;;
          --url-var) _url_var="$2" ;;
        esac
        shift 2 ;;
      --) shift; break ;;
      *) die "start_listening_server: unknown argument '$1' (a COMMAND follows --)" ;;
    esac
  done
  [[ $# -ge 1 ]] || die "start_listening_server: no COMMAND after --"
  [[ "$_timeout" =~ ^[1-9][0-9]*$ ]] || die "start_listening_server: --timeout needs whole seconds"
  for _var in "$_pid_var" "$_url_var"; do
    [[ "$_var" =~ ^[A-Za-z][A-Za-z0-9_]*(\[[^]]*\])?$ ]] ||
      die "start_listening_server: '$_var' is not a variable name that starts with a letter"
  done
  if [[ -n "$_dir" ]]; then
    _out="${_out:-$_dir/stdout}"
    _err="${_err:-$_dir/stderr}"
  fi
  [[ -n "$_out" && -n "$_err" ]] || die "start_listening_server: --stdout and --stderr, or --dir"
  _name="${_name:-$(basename "$1")}"
  [[ "$1" != */* || "$1" == /* ]] || set -- "$PWD/$1" "${@:2}"

  printf -v "$_pid_var" '%s' ""
  : >"$_out" || { printf 'error: %s: cannot write its stdout to %s\n' "$_name" "$_out" >&2; return 1; }
  if [[ "$_err" == - ]]; then
    (cd "${_dir:-.}" && exec "$@") </dev/null >"$_out" &
  else
    (cd "${_dir:-.}" && exec "$@") </dev/null >"$_out" 2>>"$_err" &
  fi
  _pid=$!
  printf -v "$_pid_var" '%s' "$_pid"

  for ((_i = 0; _i <= _timeout * 10; _i++)); do
    ((_i == 0)) || sleep 0.1
    # Alive first: all that a server already gone wrote is in the file.
    _code=0
    kill -0 "$_pid" 2>/dev/null || _code=1
    # `read` fails on a last line without its newline: it is not whole yet.
    while IFS= read -r _line; do
      if [[ "$_line" == "listening on "* ]]; then
        _url="${_line#listening on }"
        break
      fi
    done 2>/dev/null <"$_out" || true
    if [[ -n "$_url" ]]; then
      printf -v "$_url_var" '%s' "$_url"
      return 0
    fi
    ((_code == 0)) || break
  done

  _code=0
  if kill -0 "$_pid" 2>/dev/null; then
    printf 'error: %s printed no listening line within %s s (its stdout: %s); stopping it\n' \
      "$_name" "$_timeout" "$_out" >&2
    kill -TERM "$_pid" 2>/dev/null || true
    for ((_i = 0; _i < 20; _i++)); do
      kill -0 "$_pid" 2>/dev/null || break
      sleep 0.1
    done
    ! kill -0 "$_pid" 2>/dev/null || kill -KILL "$_pid" 2>/dev/null || true
    wait "$_pid" 2>/dev/null || true
  else
    wait "$_pid" 2>/dev/null || _code=$?
    printf 'error: %s exited with code %s before it printed a listening line\n' "$_name" "$_code" >&2
  fi
  printf -v "$_pid_var" '%s' ""
  if [[ "$_err" == - ]]; then
    printf '  (its stderr is not redirected: see above)\n' >&2
  elif [[ -s "$_err" ]]; then
    printf '  the last lines of its stderr (%s):\n' "$_err" >&2
    tail -n 20 "$_err" | sed 's/^/    /' >&2
  else
    printf '  its stderr (%s) is empty\n' "$_err" >&2
  fi
  return 1
}
