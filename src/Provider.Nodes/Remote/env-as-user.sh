#!/bin/sh
# Runs command $3 as user $1 (home $5) in directory $2, appending to log $4; prints the log's tail.
user="$1"; dir="$2"; cmd="$3"; log="$4"; home="$5"
printf '== %s\n' "$cmd" >> "$log"
cd "$dir" || exit 1
runuser -u "$user" -- env HOME="$home" HOSTENV_RELEASE_DIR="$dir" sh -c "$cmd" >> "$log" 2>&1
rc=$?
tail -n 40 "$log"
exit $rc
