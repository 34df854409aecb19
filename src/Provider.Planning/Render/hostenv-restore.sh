#!/bin/sh
# Runs at boot (hostenv-restore.service): every app serves again from the slot its state file records. The links
# nginx reaches the apps through live in /run, which boot empties, and deploys start app units rather than enable
# them (a slot is live only while its deploy says so). Reads restore/apps of the current generation, one line per
# app: user, env state dir, upstream socket, slot socket and unit (SLOT stands for a or b), tab-separated.
root=/var/lib/hostenv
list="$root/current/restore/apps"
[ -f "$list" ] || exit 0
tab=$(printf '\t')
while IFS="$tab" read -r user dir up sock unit; do
  slot=$(sed -n 's/^slot=//p' "$dir/state" 2>/dev/null)
  case "$slot" in a|b) ;; *) continue ;; esac
  s=$(printf '%s' "$sock" | sed "s/SLOT/$slot/"); u=$(printf '%s' "$unit" | sed "s/SLOT/$slot/")
  if ln -sfn "$s" "$up.new" && mv -T "$up.new" "$up"; then
    systemctl start --no-block "$u" || echo "hostenv-restore: $user: could not start $u" >&2
  else
    echo "hostenv-restore: $user: could not link $up" >&2
  fi
done < "$list"
exit 0
