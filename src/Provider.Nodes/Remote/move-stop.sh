#!/bin/sh
# hostenv-provider move, old node: stops the app of env dir $1 before the final copy (no more writes). $2... are
# its slot units; the ones that run are recorded in $1/move-stopped (once: a re-run keeps the first record), so a
# failed move starts exactly those again.
set -e
envdir="$1"; shift
if [ ! -f "$envdir/move-stopped" ]; then
  : > "$envdir/move-stopped.new"
  for u in "$@"; do systemctl is-active --quiet "$u" && printf '%s\n' "$u" >> "$envdir/move-stopped.new"; done
  mv "$envdir/move-stopped.new" "$envdir/move-stopped"
fi
for u in "$@"; do systemctl stop "$u"; done
cat "$envdir/move-stopped"
