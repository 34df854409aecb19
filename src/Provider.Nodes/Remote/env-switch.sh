#!/bin/sh
# The switch: traffic (or nginx's root) moves to the release and the state file records it: $6 release, $7 slot,
# $8 fingerprint, $9 rev, ${10} the previous release, ${11} the release's inputs (hashes a dry run compares to say why).
set -e
home="$1"; rel="$2"; sock="$3"; live="$4"; dir="$5"
(umask 077; printf 'release=%s\nslot=%s\nfingerprint=%s\nrev=%s\nprevious=%s\ninputs=%s\n' "$6" "$7" "$8" "$9" "${10}" "${11:-}" > "$dir/state.new")
ln -sfn "$rel" "$home/current.new" && mv -T "$home/current.new" "$home/current"
if [ -n "$sock" ]; then ln -sfn "$sock" "$live.new" && mv -T "$live.new" "$live"; fi
mv "$dir/state.new" "$dir/state"
