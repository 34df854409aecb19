#!/bin/sh
# Unpacks generation $2 from tar $4 under root $1, reusing the listed files from the current generation $3.
set -e
root="$1"; id="$2"; cur="$3"; tar="$4"; shift 4
part="$root/generations/$id.partial"
# Generations hold every environment's nginx configuration (extraConfig may carry credentials) and users:
# root's alone. apps/ stays traversable: a unit rendered before the app sandbox (a rollback to an older
# generation) runs its ExecStart from there as the environment's user.
install -d -m 0711 "$root/generations"
rm -rf "$part"; mkdir -p "$part"
for f in "$@"; do mkdir -p "$part/$(dirname "$f")"; cp -p "$root/generations/$cur/$f" "$part/$f"; done
tar -xf "$tar" -C "$part" --no-same-owner
rm -f "$tar"
# (Also the generations unpacked before these modes existed.)
for d in "$part" "$root"/generations/*; do
  for sub in nginx users acme; do if [ -d "$d/$sub" ]; then chmod 0700 "$d/$sub"; fi; done
done
touch "$part/.complete"
rm -rf "$root/generations/$id"; mv "$part" "$root/generations/$id"
# Number generations in order of arrival (stable: an id keeps its first number).
touch "$root/generations.index"
grep -q " $id\$" "$root/generations.index" || echo "$(( $(wc -l < "$root/generations.index") + 1 )) $id" >> "$root/generations.index"
