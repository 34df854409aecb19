#!/bin/sh
# node check: OS, systemd, nginx, lego, free disk, sudo and the clock, as key=value lines.
PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=/dev/null
. /etc/os-release 2>/dev/null; echo "os=${PRETTY_NAME:-unknown}"
echo "systemd=$(systemctl is-system-running 2>/dev/null || true)"
if command -v nginx >/dev/null; then echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"; else echo "nginx="; fi
if command -v lego >/dev/null; then echo "lego=$(lego --version 2>/dev/null | head -1)"; else echo "lego="; fi
# Runtimes app.preset needs: python3 with venv (ensurepip is in python3-venv on Debian), node with npm.
if python3 -c 'import ensurepip, venv' 2>/dev/null; then echo "runtime-python3=$(python3 --version 2>&1) with venv"; else echo "runtime-python3="; fi
if command -v node >/dev/null && command -v npm >/dev/null; then echo "runtime-nodejs=node $(node --version 2>/dev/null), npm $(npm --version 2>/dev/null)"; else echo "runtime-nodejs="; fi
echo "disk=$(df -Pk / | awk 'NR==2 {print $4}')"
echo "sudo=$(sudo -n true 2>/dev/null && echo yes || echo no)"
echo "clock=$(date +%s.%N)"
# The container engine, when installed: whether it runs and answers, and compose's version (v2 plugin or v1).
if command -v docker >/dev/null; then
  echo "docker=$(systemctl is-active docker.service 2>/dev/null || true) $(sudo -n docker version --format '{{.Server.Version}}' 2>/dev/null || echo unanswered)"
  if docker compose version >/dev/null 2>&1; then echo "compose=$(docker compose version --short 2>/dev/null)"; elif command -v docker-compose >/dev/null; then echo "compose=$(docker-compose version --short 2>/dev/null)"; else echo "compose="; fi
else
  echo "docker="
fi
