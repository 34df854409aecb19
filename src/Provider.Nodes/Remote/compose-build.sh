#!/bin/sh
# Builds a compose release's images on the node, offline, tagged by release: $1 env dir, $2 release id, $3 release dir,
# $4 compose file (relative to the release), $5 project name for the build, $6 image repository (hostenv/USER); stdin: hostenv's generated compose file
# (image tags, no secrets). Prints "image TAG ID" for each built image and records them in $1/compose-images.
# Then each further argument, "service TAB image TAB pull_policy (never empty) TAB tag", is a service that names an image instead of
# building one: it is pulled as compose would (pull_policy always: pulled; never: not; else only when absent), pinned
# (its ID and, when it came from a registry, its digest), tagged REPO:TAG so that it stays on the node while the release
# is kept, printed as "pinned SERVICE IMAGE ID DIGEST" and recorded in $1/compose-images as "release TAB image TAB id
# TAB service TAB digest": every later start of the release (rollback included) runs exactly that image.
set -e
dir="$1"; rel="$2"; reldir="$3"; file="$4"; project="$5"; repo="$6"
shift 6
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
tab=$(printf '\t')
for a in "$@"; do
  IFS="$tab" read -r svc image policy tag <<EOF
$a
EOF
  case "$policy" in
    always) docker pull "$image" 2>&1 ;;
    never) ;;
    *) docker image inspect "$image" >/dev/null 2>&1 || docker pull "$image" 2>&1 ;;
  esac
  if ! id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null); then
    echo "service $svc: image $image is not on the node (pull_policy: $policy)" >&2
    exit 1
  fi
  # The digest under the image's own name (without tag or digest); none for an image that never came from a registry.
  name=${image%@*}
  case "${name##*/}" in *:*) name=${name%:*} ;; esac
  digest=$(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$id" | awk -v p="$name@sha256:" 'index($0, p) == 1 { print; exit }')
  docker tag "$id" "$repo:$tag"
  echo "pinned $svc $image $id ${digest:--}"
  printf '%s\t%s\t%s\t%s\t%s\n' "$rel" "$image" "$id" "$svc" "$digest" >> "$dir/compose-images"
done
