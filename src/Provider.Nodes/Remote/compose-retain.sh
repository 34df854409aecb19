#!/bin/sh
# Removes the images of an environment's releases ($1: image repository, e.g. hostenv/USER) whose release is not among
# the remaining arguments (the kept ones: always the current and the previous); an image a container uses stays.
repo="$1"; shift
docker image ls --format '{{.Repository}} {{.Tag}}' "$repo" 2>/dev/null | while read -r _ tag; do
  keep=no
  for k in "$@"; do case "$tag" in "$k"|"$k"-*) keep=yes ;; esac; done
  [ "$keep" = yes ] || docker image rm "$repo:$tag" >/dev/null 2>&1 || true
done
true
