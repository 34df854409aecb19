#!/bin/sh
# hostenv-provider move, old node: a move failed after it stopped the app of env dir $1: starts the units it stopped.
set -e
envdir="$1"
[ -f "$envdir/move-stopped" ] || exit 0
while read -r u; do [ -n "$u" ] && systemctl start "$u"; done < "$envdir/move-stopped"
rm -f "$envdir/move-stopped"
