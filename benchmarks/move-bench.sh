#!/usr/bin/env bash
# Move benchmark on the testbed (two nodes): how long an environment is unavailable when the plan moves it to the
# other node with its data (DESIGN §12), for a tiny dataset and for 200 MB in 2,000 files. The window is what deploy
# reports ("unavailable for X s": the old app stopped until traffic switched on the new node: final copy, sha256 of
# every file on both ends, install, start, health check, switch). Baseline, same run, same nodes: a one-pass copy of
# the same data through the deployer (`ssh old tar c | ssh new tar x`), the least a stop-copy-start move would be down.
# Usage: benchmarks/move-bench.sh [REPEATS]   (default 3; each repeat moves the environment there and back)
# CONFIG=Debug uses the Debug build (the window is node and SSH work; the deployer's own CPU time is small in it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-3}
# shellcheck disable=SC1091
source "${HOSTENV_TESTBED_DIR:-/var/tmp/hostenv-testbed}/testbed.env"
CONFIG=${CONFIG:-Release}
[ -n "${SKIP_BUILD:-}" ] || dotnet build src/Provider.Cli -c "$CONFIG" -nologo -v quiet -clp:ErrorsOnly >/dev/null
HP=(dotnet "$ROOT/src/Provider.Cli/bin/$CONFIG/net10.0/hostenv-provider.dll")
read -r -a NODES <<<"$HOSTENV_TESTBED_NODES"
[ "${#NODES[@]}" -ge 2 ] || { echo "needs a testbed with two nodes" >&2; exit 1; }
addr() { local v; v="HOSTENV_TESTBED_NODE_$(tr 'a-z-' 'A-Z_' <<<"$1")_ADDRESS"; printf '%s' "${!v}"; }
A=${NODES[0]}; B=${NODES[1]}
SSH=(ssh -i "$HOSTENV_SSH_KEY" -o BatchMode=yes -o "UserKnownHostsFile=$HOSTENV_TESTBED_DIR/client/known_hosts")
WORK=$(mktemp -d /var/tmp/hostenv-move-bench.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# bench_case NAME FILES BYTES_PER_FILE UIDBASE
bench_case() {
  local name=$1 files=$2 size=$3 uid=$4 repo=$WORK/$1 user out from to
  cp -r "$HOSTENV_TESTBED_PROVIDER" "$repo"
  mkdir -p "$repo/app/.hostenv" "$repo/generated"
  echo "{\"_uidHighWaterMark\": $uid}" > "$repo/generated/state.json"
  cp examples/demo/server "$repo/app/server"; echo v1 > "$repo/app/greeting.txt"
  manifest() {
    printf 'organisation: acme\nproject: %s\nenvironments:\n  main:\n    type: production\n    node: %s\n' "$name" "$1"
    printf '    virtualHosts: { %s.move.hosting.test: { enableLetsEncrypt: false } }\n' "$name"
    printf '    app: { run: "./server", healthCheck: { path: /health, intervalSeconds: 1, deadlineSeconds: 10 } }\n'
  }
  manifest "$A" > "$repo/app/.hostenv/hostenv.yaml"
  sed -i "s/projects: {}/projects:\n  acme__$name: { path: app }/" "$repo/provider.yaml"
  local H=("${HP[@]}" --dir "$repo" --identity "$HOSTENV_SSH_KEY")
  "${H[@]}" plan >/dev/null 2>&1
  "${H[@]}" deploy --yes --skip-gate > "$WORK/$name-first.log" 2>&1 || { tail -20 "$WORK/$name-first.log"; exit 1; }
  user=$(python3 -c 'import json,sys; print([k for k in json.load(open(sys.argv[1]))["environments"] if k.startswith(sys.argv[2] + "-main-")][0])' "$repo/generated/plan.json" "$name")
  # The data, written as the environment's user: FILES files of BYTES random bytes in 20 directories.
  "${SSH[@]}" "deploy@$(addr "$A")" "sudo -n -u $user sh -c 'set -e; for d in \$(seq 1 20); do mkdir -p ~/.local/share/data/d\$d; done; i=0; while [ \$i -lt $files ]; do head -c $size /dev/urandom > ~/.local/share/data/d\$((i % 20 + 1))/f\$i; i=\$((i + 1)); done'"
  echo "$name: $files file(s) of $size bytes on $A ($("${SSH[@]}" "deploy@$(addr "$A")" "sudo -n du -sb /home/$user/.local/share" | cut -f1) bytes)"
  from=$A; to=$B
  for i in $(seq "$REPEATS"); do
    for _ in there back; do
      # Baseline first (the data is on $from): one pass through the deployer into a scratch directory on $to.
      t0=$(now)
      "${SSH[@]}" "deploy@$(addr "$from")" "sudo -n tar -C /home/$user -cf - .local/share .local/state 2>/dev/null" \
        | "${SSH[@]}" "deploy@$(addr "$to")" "sudo -n sh -c 'rm -rf /var/tmp/move-baseline && mkdir -p /var/tmp/move-baseline && tar -C /var/tmp/move-baseline -xf -'"
      t1=$(now); elapsed "$t0" "$t1" >> "$WORK/$name-baseline"
      "${SSH[@]}" "deploy@$(addr "$to")" "sudo -n rm -rf /var/tmp/move-baseline"
      manifest "$to" > "$repo/app/.hostenv/hostenv.yaml"
      "${H[@]}" plan >/dev/null 2>&1
      t0=$(now); out=$("${H[@]}" deploy --yes --skip-gate 2>&1) || { echo "$out" | tail -30; exit 1; }; t1=$(now)
      elapsed "$t0" "$t1" >> "$WORK/$name-deploy"
      grep -o 'unavailable for [0-9.]* s' <<<"$out" | grep -o '[0-9.]*' >> "$WORK/$name-window"
      grep -o 'while it still serves: .*' <<<"$out" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*' >> "$WORK/$name-bulk"
      grep -o 'match on both nodes ([0-9.]* s)' <<<"$out" | grep -o '[0-9.]*' >> "$WORK/$name-final"
      [ "$i" = 1 ] && [ "$from" = "$A" ] && grep -E 'moves here|first copy|stopped for|final copy|moved from|removed' <<<"$out" | sed 's/^/  /'
      local t=$from; from=$to; to=$t
    done
  done
  echo "$name: unavailable (deploy's own figure: stop on the old node to traffic on the new) $(median < "$WORK/$name-window") s;" \
    "of it final copy + sha256 both ends $(median < "$WORK/$name-final") s; first copy (while serving) $(median < "$WORK/$name-bulk") s;" \
    "whole deploy $(median < "$WORK/$name-deploy") s; baseline one-pass copy $(median < "$WORK/$name-baseline") s;" \
    "window/baseline $(ratio "$(median < "$WORK/$name-window")" "$(median < "$WORK/$name-baseline")")x (median of $((REPEATS * 2)) moves)"
}

bench_case mvtiny 10 1000 45200
bench_case mvbig 2000 100000 45300
