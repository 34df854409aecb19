#!/bin/sh
# Assembles release $2 from the blob store $1 (manifest on stdin, copied by the perl program $4) for user $3 with
# home $5 and data/state/cache dirs $6-$8; the rest are shared dirs linked into the release. STATIC=yes: a static site;
# LINK=yes: unchanged files may be hard-linked from the live release. Prints "overlaid PATH" for each host-local
# override file (the release then differs from the manifest on stdin).
set -e
blobs="$1"; rel="$2"; user="$3"; script="$4"; home="$5"; data="$6"; state="$7"; cache="$8"; shift 8
part="$rel.partial"
# Private to the environment. A static site's releases are traversable (not listable) by nginx's group,
# which serves them; its home is made so by the system stage.
if [ "$STATIC" = yes ]; then
  install -d -o "$user" -g www-data -m 0710 "$home/releases"
else
  install -d -o "$user" -g "$user" -m 0700 "$home/releases"
fi
# The app's data, state and cache directories (HOSTENV_*_DIR), private like the home they live in.
for d in "$data" "$state" "$cache"; do
  [ -n "$d" ] || continue
  [ -d "$(dirname "$d")" ] || install -d -o "$user" -g "$user" -m 0700 "$(dirname "$d")"
  install -d -o "$user" -g "$user" -m 0700 "$d"
done
rm -rf "$part"; mkdir -p "$part"
# Unchanged files are shared with the live release only where nothing writes into a release: no build or
# hook runs in it and the sandbox keeps the app from writing there (an in-place write would change both).
prev=""
if [ "$LINK" = yes ]; then prev=$(readlink "$home/current" 2>/dev/null || true); [ -d "$prev" ] || prev=""; fi
perl -e "$script" "$blobs" "$part" "$prev"
# Host-local overrides: the node's copy wins (its env file is read by the unit, not copied). Unlinked first:
# the file may be shared with an older release.
ov="$HOSTENV_OVERRIDES/$user"
if [ -d "$ov" ]; then (cd "$ov" && find . -type f ! -path ./env | while read -r f; do mkdir -p "$part/$(dirname "$f")"; rm -f "$part/$f"; cp "$f" "$part/$f"; echo "overlaid $f"; done); fi
for d in "$@"; do
  install -d -o "$user" -g "$user" -m 0700 "$home/shared" "$home/shared/$d"
  rm -rf "${part:?}/$d"; mkdir -p "$part/$(dirname "$d")"; ln -s "$home/shared/$d" "$part/$d"
done
chown -R -h "$user:$user" "$part"
rm -rf "$rel"; mv "$part" "$rel"
