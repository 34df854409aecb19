#!/bin/sh
# hostenv-provider move, new node: puts the verified data of staging dir $1 in place in home $2 (owner uid $3), then
# removes the staging dir and the env dir $4's "moved" marker (a copy kept there by an earlier move is superseded).
# $5... are the data paths. Each one is one rename (same filesystem); a path already installed is skipped, so a run
# interrupted here completes on the next.
set -e
staging="$1"; home="$2"; uid="$3"; envdir="$4"; shift 4
for p in "$@"; do
  [ -e "$staging/$p" ] || [ -L "$staging/$p" ] || continue
  # Parents inside the home: created as the user's, and never reached through a link the user could have planted.
  parent=$(dirname "$p"); made="$home"
  if [ "$parent" != . ]; then
    for part in $(printf '%s\n' "$parent" | tr '/' ' '); do
      made="$made/$part"
      [ -L "$made" ] && { echo "refusing to install $p: $made is a symbolic link" >&2; exit 3; }
      [ -d "$made" ] || install -d -o "$uid" -g "$uid" -m 0700 "$made"
    done
  fi
  rm -rf "$home/$p.hostenv-old"
  if [ -e "$home/$p" ] || [ -L "$home/$p" ]; then mv -T "$home/$p" "$home/$p.hostenv-old"; fi
  mv -T "$staging/$p" "$home/$p"
  rm -rf "$home/$p.hostenv-old"
done
rm -rf "$staging"
[ -d "$envdir" ] && rm -f "$envdir/moved"
true
