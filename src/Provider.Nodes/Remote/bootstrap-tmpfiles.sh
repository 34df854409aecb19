#!/bin/sh
# Installs the tmpfiles.d entry $1 for /run/hostenv; prints changed or same.
f=/etc/tmpfiles.d/hostenv.conf
if [ -f "$f" ] && [ "$(cat "$f")" = "$(printf '%s' "$1")" ]; then echo same; exit 0; fi
printf '%s' "$1" > "$f.tmp" && mv "$f.tmp" "$f" && systemd-tmpfiles --create "$f" && echo changed
