#!/bin/sh
# Takes the node lock $1 (a directory) for owner $2 (JSON), or prints HELD, its age in seconds and its owner.
d="$1"; [ -d "${d%/*}" ] || mkdir -p "${d%/*}"
if mkdir "$d" 2>/dev/null; then printf '%s' "$2" > "$d/owner.json"; echo ACQUIRED; exit 0; fi
echo HELD
now=$(date +%s)
beat=$(stat -c %Y "$d/owner.json" 2>/dev/null || stat -c %Y "$d" 2>/dev/null || echo "$now")
echo $((now - beat))
cat "$d/owner.json" 2>/dev/null || true
