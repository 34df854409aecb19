#!/bin/sh
# hostenv-provider move: the manifest of an environment's data, $2... relative to the directory $1 (a missing one is
# skipped). One NUL-terminated record per entry (sockets are skipped: they are not data):
# "TYPE MODE UID GID MTIME SIZE" NUL "./path" NUL link-target NUL. With HASH=yes, then "--sha256--" NUL and
# `sha256sum -z` output ("hash  ./path" NUL) for every regular file.
set -e
cd "$1" 2>/dev/null || exit 0
shift
for p in "$@"; do
  [ -e "./$p" ] || [ -L "./$p" ] || continue
  find "./$p" \( -type f -o -type d -o -type l -o -type p \) -printf '%y %m %U %G %T@ %s\0%p\0%l\0'
done
if [ "${HASH:-no}" = yes ]; then
  printf -- '--sha256--\0'
  for p in "$@"; do
    [ -e "./$p" ] || [ -L "./$p" ] || continue
    find "./$p" -type f -print0
  done | xargs -0 -r sha256sum -z --
fi
