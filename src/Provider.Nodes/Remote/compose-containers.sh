#!/bin/sh
# hostenv-provider: the containers docker compose made on a node, read in one go (status; one parser: ComposeContainers.cs).
# POSIX sh function only; the C# side prepends this file to the scripts that use it.

# compose_containers: one line per container of any compose project (running or not), tab-separated: "container",
# project, service, name, state, health ("" without a healthcheck), image as configured, image ID, exit code.
# Two docker calls whatever the number of containers; nothing when docker is absent or stopped.
compose_containers() {
  ids=$(docker ps -aq --filter label=com.docker.compose.project 2>/dev/null) || return 0
  [ -n "$ids" ] || return 0
  t=$(printf '\t')
  # shellcheck disable=SC2086 # one id per word
  docker inspect --format "container$t{{index .Config.Labels \"com.docker.compose.project\"}}$t{{index .Config.Labels \"com.docker.compose.service\"}}$t{{.Name}}$t{{.State.Status}}$t{{if .State.Health}}{{.State.Health.Status}}{{end}}$t{{.Config.Image}}$t{{.Image}}$t{{.State.ExitCode}}" $ids 2>/dev/null
  return 0
}
