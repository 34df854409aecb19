#!/bin/sh
# The live release and the kept releases: $1 env state dir, $2 home.
sed -n 's/^release=//p' "$1/state" 2>/dev/null | sed 's/^/current /'
for r in "$2"/releases/*; do
  [ -e "$r" ] || continue
  case "$r" in *.partial) continue ;; esac
  echo "kept ${r##*/}"
done
true
