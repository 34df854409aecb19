#!/bin/sh
# Stops a slot that failed its health check ($1: its unit) and prints the unit's last journal lines.
systemctl stop "$1" || true; journalctl -u "$1" -n 50 --no-pager -o cat 2>/dev/null | tail -n 50
