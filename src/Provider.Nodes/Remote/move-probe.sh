#!/bin/sh
# hostenv-provider move, old node: whether it still holds environment $1 (env dir $2): "holds yes" when its state
# names a release and no earlier move marked it moved; "stopped UNITS" when a move stopped its app (still marked);
# "moved NODE" when a move finished. Read-only.
user="$1"; envdir="$2"
if [ -f "$envdir/moved" ]; then echo "moved $(cat "$envdir/moved")"; echo "holds no"; exit 0; fi
if [ -f "$envdir/state" ] && grep -q '^release=.' "$envdir/state"; then echo "holds yes"; else echo "holds no"; fi
[ -f "$envdir/move-stopped" ] && echo "stopped $(tr '\n' ' ' < "$envdir/move-stopped")"
getent passwd "$user" >/dev/null && echo "user yes"
true
