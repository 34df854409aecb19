#!/bin/sh
# Runs several commands in one trip: arguments come in pairs, WHEN and COMMAND (a command line). Each COMMAND runs
# after the one before, with no stdin; for each this prints one line "EXIT STDOUT STDERR" (both base64, one line).
# A non-empty WHEN is a condition on that command: unless it exited 0 and its stdout starts with WHEN, the commands
# after it do not run (a lock that was not taken, a generation that differs: what follows would read too early).
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
while [ $# -ge 2 ]; do
  when=$1; command=$2; shift 2
  sh -c "$command" >"$d/out" 2>"$d/err" </dev/null
  code=$?
  printf '%s %s %s\n' "$code" "$(base64 -w0 <"$d/out")" "$(base64 -w0 <"$d/err")"
  if [ -n "$when" ]; then
    [ "$code" -eq 0 ] || exit 0
    [ "$(head -c "${#when}" "$d/out")" = "$when" ] || exit 0
  fi
done
