# shellcheck shell=bash
# Sourced: `port_taken_message PORT VARIABLE` says who holds a local TCP port and how to free it.
# Another checkout's stack is named by its folder, with the command that stops it; a process of this
# checkout is named too (a stack left over from an earlier run).

# The folder of the Ovenline checkout a process belongs to (its .infra/ or .tools/ in its command
# line or working directory), or nothing.
ovenline_checkout_of() {
  local pid="$1" text
  text="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) $(readlink "/proc/$pid/cwd" 2>/dev/null)"
  grep -oE '/[^ ]*/\.(infra|tools)/' <<<"$text" | head -n1 | sed -E 's#/\.(infra|tools)/$##'
}

port_taken_message() {
  local port="$1" variable="$2" pid cmd checkout
  pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -n1 | cut -d= -f2)"
  if [ -z "$pid" ]; then
    echo "port $port is taken by another process (set $variable to use another port)"
    return
  fi
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
  checkout="$(ovenline_checkout_of "$pid")"
  if [ -n "$checkout" ] && [ "$checkout" != "$OVENLINE_ROOT" ]; then
    echo "port $port is taken by pid $pid ($cmd) of the Ovenline checkout $checkout;" \
      "stop it with: (cd $checkout && ./dev down), or set $variable to use another port"
  elif [ -n "$checkout" ]; then
    echo "port $port is taken by pid $pid ($cmd) of this checkout, which its pid files do not know" \
      "(left over from an earlier run?); stop it with: kill $pid"
  else
    echo "port $port is taken by pid $pid ($cmd); stop it, or set $variable to use another port"
  fi
}
