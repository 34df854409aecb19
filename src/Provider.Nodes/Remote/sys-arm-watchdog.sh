#!/bin/sh
# Arms the magic-rollback watchdog: $1 its unit name, $2 seconds until it fires, $3 the new generation, $4 the one to return to.
# Detached from the SSH session: systemd runs it even if the connection (or the tool) dies. AccuracySec=1s: timers
# default to a 1-minute accuracy window, which made the rollback fire up to 60 s late.
rm -f "$HOSTENV_ROOT/rolled-back-$3"
systemctl stop "$1.timer" "$1.service" 2>/dev/null || true
systemd-run --quiet --unit="$1" --on-active="$2" --timer-property=AccuracySec=1s /bin/sh "$HOSTENV_ROOT/generations/$3/libexec/hostenv-switch" "$4" --rollback-of "$3"
