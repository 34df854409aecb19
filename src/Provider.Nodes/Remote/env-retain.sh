#!/bin/sh
# Removes the releases under $1/releases not named in the remaining arguments.
cd "$1/releases" 2>/dev/null || exit 0
shift
for r in *; do
  [ -d "$r" ] || continue
  keep=no; for k in "$@"; do [ "$r" = "$k" ] && keep=yes; done
  [ "$keep" = yes ] || rm -rf -- "$r"
done
