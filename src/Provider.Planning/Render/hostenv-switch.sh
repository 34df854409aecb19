#!/bin/sh
# hostenv-switch [GENERATION] [--rollback-of NEW | --reason WHY]: activate GENERATION atomically; without
# one, remove hostenv's system layer. Runs serialised: the magic-rollback watchdog and an activation never
# interleave. Every switch is appended to switch.log (time, generation, reason): the node's own history.
set -e
root=/var/lib/hostenv; gen="${1:-}"; reason="${3:-deploy}"
exec 9>"$root/switch.lock"
flock 9
if [ "${2:-}" = "--rollback-of" ]; then
  # The watchdog fired: a late activation of NEW must not undo this rollback.
  touch "$root/rolled-back-$3"
  reason="watchdog:$3"
elif [ -n "$gen" ] && [ -e "$root/rolled-back-$gen" ]; then
  echo "hostenv-switch: the watchdog already rolled $gen back; not activating it" >&2; exit 4
fi
mkdir -p "$root/acme/webroot" /var/log/hostenv
old_names=""; [ -f "$root/current/users/names" ] && old_names=$(cat "$root/current/users/names")
if [ -n "$gen" ]; then
  [ -f "$root/generations/$gen/.complete" ] || { echo "hostenv-switch: generation $gen is incomplete" >&2; exit 1; }
  ln -sfn "generations/$gen" "$root/current.new"
  mv -T "$root/current.new" "$root/current"
else
  rm -f "$root/current"
fi
# Units: link each unit of the current generation; drop links to units it no longer has.
for l in /etc/systemd/system/hostenv-*; do
  [ -L "$l" ] || continue
  u=$(basename "$l")
  if [ ! -e "$root/current/systemd/$u" ]; then
    case "$u" in *@.service) systemctl stop "${u%@.service}@*.service" >/dev/null 2>&1 || true ;; esac
    systemctl disable --now "$u" >/dev/null 2>&1 || true; rm -f "$l"
  fi
done
if [ -d "$root/current/systemd" ]; then
  for f in "$root"/current/systemd/*; do ln -sfn "$root/current/systemd/$(basename "$f")" "/etc/systemd/system/$(basename "$f")"; done
fi
systemctl daemon-reload
if [ -f "$root/current/tmpfiles/hostenv-environments.conf" ]; then
  ln -sfn "$root/current/tmpfiles/hostenv-environments.conf" /etc/tmpfiles.d/hostenv-environments.conf
  systemd-tmpfiles --create /etc/tmpfiles.d/hostenv-environments.conf
else
  rm -f /etc/tmpfiles.d/hostenv-environments.conf
fi
# Users of environments that left this node are locked; their files stay until state prune.
new_names=""; [ -f "$root/current/users/names" ] && new_names=$(cat "$root/current/users/names")
for u in $old_names; do
  echo "$new_names" | grep -qx "$u" || usermod -L "$u" 2>/dev/null || true
done
# nginx: include the current generation; the distro's default site would compete for default_server.
if [ -n "$gen" ]; then
  [ -e /etc/nginx/sites-enabled/default ] && mv /etc/nginx/sites-enabled/default /etc/nginx/hostenv-disabled-default-site
  printf 'include %s/current/nginx/*.conf;\n' "$root" > /etc/nginx/conf.d/hostenv.conf.new
  mv /etc/nginx/conf.d/hostenv.conf.new /etc/nginx/conf.d/hostenv.conf
else
  rm -f /etc/nginx/conf.d/hostenv.conf
  [ -e /etc/nginx/hostenv-disabled-default-site ] && mv /etc/nginx/hostenv-disabled-default-site /etc/nginx/sites-enabled/default
fi
nginx -t -q
systemctl reload nginx || systemctl restart nginx
if [ -f "$root/current/systemd/hostenv-acme-renew.timer" ]; then systemctl enable --now hostenv-acme-renew.timer >/dev/null 2>&1 || true; fi
if [ -f "$root/current/systemd/hostenv-restore.service" ]; then systemctl enable hostenv-restore.service >/dev/null 2>&1 || true; fi
printf '%s %s %s\n' "$(date +%s)" "${gen:-none}" "$reason" >> "$root/switch.log"
echo "hostenv-switch: current is ${gen:-none}"
