#!/bin/sh
# Starts a release in the idle slot: $1 home, $2 slot, $3 release dir, $4 the slot's unit.
set -e
home="$1"; slot="$2"; rel="$3"; unit="$4"
install -d -o root -g root -m 0755 "$home/slots"
ln -sfn "$rel" "$home/slots/$slot.new" && mv -T "$home/slots/$slot.new" "$home/slots/$slot"
systemctl reset-failed "$unit" 2>/dev/null || true
systemctl restart "$unit"
