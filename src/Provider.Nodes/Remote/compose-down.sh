#!/bin/sh
# Stops and removes a slot's compose project ($1), keeping its named volumes; with $2 = logs, first prints the last log
# lines of its containers. Works from docker's labels, so it needs neither the release nor its compose file.
project="$1"
ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project" 2>/dev/null)
[ -n "$ids" ] || exit 0
if [ "${2:-}" = logs ]; then
  for id in $ids; do
    printf '%s:\n' "$(docker inspect -f '{{.Name}} ({{.State.Status}}, exit {{.State.ExitCode}})' "$id" 2>/dev/null)"
    docker logs --tail 30 "$id" 2>&1 | sed 's/^/  /'
  done
fi
# shellcheck disable=SC2086 # one id per word
docker stop -t 10 $ids >/dev/null 2>&1 || true
# shellcheck disable=SC2086
docker rm -f $ids >/dev/null 2>&1 || true
docker network ls -q --filter "label=com.docker.compose.project=$project" | while read -r n; do docker network rm "$n" >/dev/null 2>&1 || true; done
true
