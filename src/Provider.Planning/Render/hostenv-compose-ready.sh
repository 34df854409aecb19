#!/bin/sh
# ExecStartPost of a compose environment's slot unit: systemd-socket-activate creates its socket 0644, and connecting
# needs write access; nginx (the socket's group) gets it before the unit counts as started, so no request meets 0644.
sock="${HOSTENV_LISTEN#unix:}"; i=0
while [ ! -S "$sock" ]; do i=$((i+1)); [ "$i" -lt 200 ] || exit 1; sleep 0.05; done
exec chmod 0660 "$sock"
