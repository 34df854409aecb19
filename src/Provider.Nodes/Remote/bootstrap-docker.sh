#!/bin/sh
# Enables and starts the container engine (docker.service); prints "changed" when it was not enabled and running.
# Fails with docker's own message when the engine does not answer afterwards.
changed=unchanged
if ! systemctl is-enabled --quiet docker.service 2>/dev/null || ! systemctl is-active --quiet docker.service; then
  systemctl enable --now containerd.service docker.service >/dev/null 2>&1 || systemctl enable --now docker.service
  changed=changed
fi
i=0; until docker info >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 50 ] || { docker info 2>&1 | tail -5 >&2; exit 1; }
  sleep 0.2
done
echo "$changed"
