#!/bin/sh
# hostenv-provider move, old node: a move failed after it stopped the app of env dir $1: starts the units it stopped
# and waits (at most 30 s) until each one's slot socket (in the upstream dir $2) answers HTTP again.
set -e
envdir="$1"; upstream="$2"
[ -f "$envdir/move-stopped" ] || exit 0
while read -r u; do [ -n "$u" ] && systemctl start "$u"; done < "$envdir/move-stopped"
end=$(( $(date +%s) + 30 ))
while read -r u; do
  [ -n "$u" ] || continue
  slot=${u##*@}; slot=${slot%.service}
  until curl -s -o /dev/null --max-time 2 --unix-socket "$upstream/slot-$slot.sock" http://localhost/; do
    [ "$(date +%s)" -lt "$end" ] || { echo "$u started but its socket does not answer yet" >&2; exit 1; }
    sleep 0.1
  done
done < "$envdir/move-stopped"
rm -f "$envdir/move-stopped"
