#!/bin/sh
# A compose environment's slot unit: forwards the slot's socket to the port its compose project's service publishes on the
# node's loopback (HOSTENV_COMPOSE_PORT_A / _B, fixed per environment), so nginx, the health check, the switch and the
# drain work on the slot socket exactly as for an app.
case "$HOSTENV_SLOT" in
  a) port="$HOSTENV_COMPOSE_PORT_A" ;;
  b) port="$HOSTENV_COMPOSE_PORT_B" ;;
  *) echo "unknown slot '$HOSTENV_SLOT'" >&2; exit 64 ;;
esac
exec /usr/bin/systemd-socket-activate --listen="${HOSTENV_LISTEN#unix:}" /lib/systemd/systemd-socket-proxyd "127.0.0.1:$port"
