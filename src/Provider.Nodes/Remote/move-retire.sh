#!/bin/sh
# hostenv-provider move, old node: the environment serves on node $3 now. Its app (units $6...) stays stopped and the
# env dir $1 is marked moved; unless KEEP=yes ($4), its releases and data under home $2 are removed ($5: the data
# paths, space-separated). The user stays (locked by the system stage, like every user that left a node), and so do
# deploys.log and the marker, so history shows the move and later deploys know it is done.
set -e
envdir="$1"; home="$2"; to="$3"; keep="$4"; paths="$5"; shift 5
for u in "$@"; do systemctl stop "$u" 2>/dev/null || true; systemctl reset-failed "$u" 2>/dev/null || true; done
printf '%s\n' "$to" > "$envdir/moved.new"; mv "$envdir/moved.new" "$envdir/moved"
rm -f "$envdir/move-stopped"
[ "$keep" = yes ] && exit 0
for p in $paths; do rm -rf "${home:?}/$p"; done
rm -rf "$home/releases" "$home/slots" "$home/current" "$home/shared"
find "$envdir" -mindepth 1 -maxdepth 1 ! -name deploys.log ! -name moved ! -name journal -exec rm -rf {} +
