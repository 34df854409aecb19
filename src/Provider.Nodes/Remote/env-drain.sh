#!/bin/sh
# Drains and stops the old slot: $1 its socket, $2 its unit.
sock="$1"; unit="$2"
i=0; while [ $i -lt 50 ] && [ "$(ss -xH state connected 2>/dev/null | grep -c "$sock")" -gt 0 ]; do sleep 0.2; i=$((i+1)); done
systemctl stop "$unit" || true
