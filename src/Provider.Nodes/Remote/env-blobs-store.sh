#!/bin/sh
# Moves the blobs of tar $2 into the store $1, verified first: a blob's name is its hash.
set -e
store="$1"; tar="$2"; tmp="$store/.incoming-$$"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xf "$tar" -C "$tmp" --no-same-owner; rm -f "$tar"
cd "$tmp"
for f in *; do echo "$f  $f"; done | sha256sum --quiet -c -
for f in *; do mv -f "$f" "$store/$f"; done
cd /; rm -rf "$tmp"
