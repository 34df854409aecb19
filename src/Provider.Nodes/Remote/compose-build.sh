#!/bin/sh
# Builds a compose release's images on the node, offline, tagged by release: $1 env dir, $2 release id, $3 release dir,
# $4 compose file (relative to the release), $5 project name for the build, $6 image repository (hostenv/USER); stdin: hostenv's generated compose file
# (image tags, no secrets). Prints "image TAG ID" for each built image and records them in $1/compose-images.
set -e
dir="$1"; rel="$2"; reldir="$3"; file="$4"; project="$5"; repo="$6"
if docker compose version >/dev/null 2>&1; then dc() { docker compose "$@"; }; else dc() { docker-compose "$@"; }; fi
install -d -m 0700 "$dir/compose"
gen="$dir/compose/$rel.build.yaml"
cat > "$gen"
# Only the release's file and hostenv's: a build never sees the node's override or the environment's secrets.
dc -p "$project" --project-directory "$reldir" -f "$reldir/$file" -f "$gen" build 2>&1
docker image ls --format '{{.Tag}} {{.ID}}' "$repo" | while read -r tag _; do
  case "$tag" in
    "$rel"|"$rel"-*)
      full=$(docker image inspect -f '{{.Id}}' "$repo:$tag")
      echo "image $repo:$tag $full"
      printf '%s\t%s\t%s\n' "$rel" "$repo:$tag" "$full" >> "$dir/compose-images" ;;
  esac
done
