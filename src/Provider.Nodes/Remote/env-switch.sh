#!/bin/sh
# The switch: traffic (or nginx's root) moves to the release and the state file records it.
set -e
home="$1"; rel="$2"; sock="$3"; live="$4"; dir="$5"
(umask 077; printf 'release=%s\nslot=%s\nfingerprint=%s\nrev=%s\nprevious=%s\n' "$6" "$7" "$8" "$9" "${10}" > "$dir/state.new")
ln -sfn "$rel" "$home/current.new" && mv -T "$home/current.new" "$home/current"
if [ -n "$sock" ]; then ln -sfn "$sock" "$live.new" && mv -T "$live.new" "$live"; fi
mv "$dir/state.new" "$dir/state"
