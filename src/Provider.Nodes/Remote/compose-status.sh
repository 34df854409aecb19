#!/bin/sh
# The containers of an environment's compose projects ($1 user): "container SLOT NAME STATE HEALTH IMAGE-ID" per line.
for slot in a b; do
  docker ps -a --filter "label=com.docker.compose.project=$1-$slot" --format '{{.ID}}' 2>/dev/null | while read -r id; do
    docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.Image}}' "$id" 2>/dev/null \
      | sed "s|^/||; s|^|container $slot |"
  done
done
true
