#!/bin/sh
# status/history: $1 the hostenv state root; then one argument per environment, tab-separated: user name, its env
# state dir, the app unit name with SLOT for the slot, the nginx upstream socket, the health-check path, its home,
# "compose" for a compose environment (then, after the environments, every compose container of the node: compose_containers
# from compose-containers.sh, prepended by FleetStatus, one reading for all of them).
# release_drift comes from release-manifest.sh (prepended by FleetStatus): "drift=N" counts the live release's files
# changed in place.
root="$1"; shift
echo "generation $(basename "$(readlink "$root/current" 2>/dev/null)" 2>/dev/null)"
n=$(grep " $(basename "$(readlink "$root/current" 2>/dev/null)" 2>/dev/null)\$" "$root/generations.index" 2>/dev/null | cut -d' ' -f1)
echo "number ${n:-}"
tab=$(printf '\t')
containers=no
for a in "$@"; do
  IFS="$tab" read -r u dir unit sock hp home kind <<EOF
$a
EOF
  echo "env $u"
  [ "$kind" != compose ] || containers=yes
  sed 's/^/  /' "$dir/state" 2>/dev/null | grep -v -e '^  fingerprint=' -e '^  inputs='
  tail -n 1 "$dir/deploys.log" 2>/dev/null | sed 's/^/  last=/'
  slot=$(sed -n 's/^slot=//p' "$dir/state" 2>/dev/null)
  if [ -n "$slot" ]; then
    echo "  active=$(systemctl is-active "$(echo "$unit" | sed "s/SLOT/$slot/")" 2>/dev/null)"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --unix-socket "$sock" "http://localhost$hp" 2>/dev/null)
    echo "  http=$code"
  fi
  rel=$(sed -n 's/^release=//p' "$dir/state" 2>/dev/null)
  if [ -n "$rel" ]; then
    d=$(release_drift "$dir/manifests/$rel" "$home/releases/$rel")
    case "$d" in "? "*) ;; *) echo "  drift=$(printf '%s' "$d" | grep -c '^[-+~] ')" ;; esac
  fi
done
[ "$containers" = no ] || compose_containers
true
