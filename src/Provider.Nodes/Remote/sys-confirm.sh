#!/bin/sh
# Confirms generation $2 over a fresh connection, under the switch lock: still current (the watchdog has not fired),
# nginx up; then (if $3 = yes) stops the watchdog $1, and a rollback service that may already be queued behind the lock.
exec 9>"$HOSTENV_ROOT/switch.lock"; flock 9
[ "$(readlink "$HOSTENV_ROOT/current")" = "generations/$2" ] || exit 4
systemctl is-active --quiet nginx || exit 5
[ "$3" = yes ] && { systemctl stop "$1.timer" "$1.service" 2>/dev/null || true; }
printf '%s %s confirmed\n' "$(date +%s)" "$2" >> "$HOSTENV_ROOT/switch.log"
echo confirmed
