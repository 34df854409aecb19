#!/bin/sh
# Starts a compose release as the slot's project: $1 env dir, $2 slot, $3 release dir, $4 compose file (relative to the
# release), $5 project, $6 environment user; stdin: hostenv's generated compose file for this slot. Never builds: the
# images were built and tagged with the release, so a rollback runs exactly the image that ran before.
set -e
dir="$1"; slot="$2"; reldir="$3"; file="$4"; project="$5"; user="$6"
if docker compose version >/dev/null 2>&1; then dc() { docker compose "$@"; }; else dc() { docker-compose "$@"; }; fi
install -d -m 0700 "$dir/compose"
gen="$dir/compose/slot-$slot.yaml"
cat > "$gen"
# The environment's secrets and the node's override env reach the containers as environment (env_file), never a layer.
envf="$dir/compose/slot-$slot.env"
(umask 077; : > "$envf.new"
 for f in "$HOSTENV_SECRETS/$user.env" "$HOSTENV_SECRETS/$user.age.env" "$HOSTENV_OVERRIDES/$user/env"; do
   if [ -f "$f" ]; then cat "$f" >> "$envf.new"; printf '\n' >> "$envf.new"; fi
 done)
mv "$envf.new" "$envf"
set -- -p "$project" --project-directory "$reldir" -f "$reldir/$file" -f "$gen"
# The operator's node-local override comes last: what only this node should differ in wins.
[ ! -f "$HOSTENV_OVERRIDES/$user/compose.override.yaml" ] || set -- "$@" -f "$HOSTENV_OVERRIDES/$user/compose.override.yaml"
dc "$@" up -d --no-build --remove-orphans --force-recreate 2>&1
