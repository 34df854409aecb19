#!/bin/bash
# hostenv-provider diagnose: every fact the findings are made from, read on one node in one round trip, as root (bash).
# release_manifest/release_drift come from release-manifest.sh, compose_containers from compose-containers.sh (both
# prepended by DiagnoseRun.cs).
# Reads its work list on stdin, one record per line, fields separated by tabs ("-" for an empty value):
#   lock <lock dir>
#   secretsed <sed expression printing the names of a secrets file>
#   path <directory whose filesystem is checked>
#   env <user> <env state dir> <unit with SLOT> <home> <secrets file> <declared secret names, space-separated>
#   vhost <name> <certificate dir>
#   compose yes (an environment runs a compose project: "@@compose", every compose container, before "@@end")
# Writes sections introduced by "@@" lines (DiagnoseOutput.cs parses them); "@@end <node time>" last: output without it
# was cut off. The node's clock is read first and last, so the caller can tell the script's run time from the network's.
set -u
export LC_ALL=C
# Never a predictable name in /tmp (environments' users can write there outside their sandbox).
tmp=$(mktemp -d /tmp/hostenv-diagnose.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')
lockdir=""; secretsed=""; compose=no
paths=(/ "$HOSTENV_ROOT" /var/log /tmp); envs=(); vhosts=()
while IFS= read -r rec; do
  value=${rec#*"$tab"}
  case "${rec%%"$tab"*}" in
    lock) lockdir=$value ;;
    secretsed) secretsed=$value ;;
    path) paths+=("$value") ;;
    env) envs+=("$value") ;;
    vhost) vhosts+=("$value") ;;
    compose) compose=$value ;;
  esac
done

echo "@@node"
echo "time $(date +%s.%N)"
echo "mem $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) $(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
if [ -r /proc/pressure/memory ]; then
  sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/psi \1 \2/p' /proc/pressure/memory
fi
# Only directories that exist; one line per filesystem (several paths often share one).
existing=()
for p in "${paths[@]}"; do [ -d "$p" ] && existing+=("$p"); done
df -B1 --output=target,size,avail,itotal,iavail "${existing[@]}" 2>/dev/null | tail -n +2 | sort -u | while read -r target size avail itotal iavail; do
  echo "df $target $size $avail $itotal $iavail"
done
systemctl list-units --state=failed --no-legend --plain 2>/dev/null | while read -r u _; do echo "failed $u"; done
nginx -t > "$tmp/nginx" 2>&1
echo "nginx $?"
tail -n 20 "$tmp/nginx" | sed 's/^/nginxout /'
if [ -n "$lockdir" ] && [ -d "$lockdir" ]; then
  now=$(date +%s)
  beat=$(stat -c %Y "$lockdir/owner.json" 2>/dev/null || stat -c %Y "$lockdir" 2>/dev/null || echo "$now")
  echo "lock $((now - beat)) $(tr -d '\n' < "$lockdir/owner.json" 2>/dev/null)"
fi

for e in ${envs[@]+"${envs[@]}"}; do
  IFS="$tab" read -r u dir unit home secrets declared <<<"$e"
  echo "@@env $u"
  release=$(sed -n 's/^release=//p' "$dir/state" 2>/dev/null)
  slot=$(sed -n 's/^slot=//p' "$dir/state" 2>/dev/null)
  echo "release=$release"
  echo "slot=$slot"
  last=$(tail -n 1 "$dir/deploys.log" 2>/dev/null | cut -f1)
  echo "lastdeploy=${last:-}"
  if [ "$declared" != "-" ]; then
    echo "secretnames=$(sed -n "$secretsed" "$secrets" 2>/dev/null | tr '\n' ' ')"
  fi
  [ -n "$release" ] || continue
  if [ -n "$slot" ]; then
    live=${unit//SLOT/$slot}
    systemctl show -p ActiveState -p SubState -p Result -p NRestarts "$live" 2>/dev/null | sed 's/^ActiveState=/active=/; s/^SubState=/sub=/; s/^Result=/result=/; s/^NRestarts=/nrestarts=/'
    oom=$(journalctl --no-pager -q -o cat -u "${unit//SLOT/*}" --since="@${last:-0}" 2>/dev/null | grep -ciE 'oom.kill|oom killer|out of memory')
    echo "oom=$oom"
    state=$(systemctl is-active "$live" 2>/dev/null)
    restarts=$(systemctl show -p NRestarts --value "$live" 2>/dev/null)
    if [ "$state" != active ] || [ "${restarts:-0}" -ge 3 ] || [ "$oom" -gt 0 ]; then
      journalctl --no-pager -q -o short-iso -n 20 -u "$live" 2>/dev/null | sed 's/^/log /'
    fi
  fi
  release_drift "$dir/manifests/$release" "$home/releases/$release" > "$tmp/drift" 2>/dev/null
  echo "driftcount=$(grep -c '^[-+~] ' "$tmp/drift")"
  grep -q '^? ' "$tmp/drift" && echo "manifest=missing"
  grep '^[-+~] ' "$tmp/drift" | head -n 50 | sed 's/^/drift /'
done

for v in ${vhosts[@]+"${vhosts[@]}"}; do
  IFS="$tab" read -r name cert <<<"$v"
  ph=$([ -e "$cert/placeholder" ] && echo 1 || echo 0)
  end=$(openssl x509 -enddate -noout -in "$cert/fullchain.pem" 2>/dev/null | sed 's/^notAfter=//')
  [ -n "$end" ] && end=$(date -u -d "$end" +%s 2>/dev/null)
  echo "@@cert $name ${end:--} $ph"
done
if [ "$compose" = yes ]; then
  echo "@@compose"
  compose_containers
fi
echo "@@end $(date +%s.%N)"
