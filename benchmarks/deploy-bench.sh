#!/usr/bin/env bash
# Deploy benchmarks on the testbed. Every figure is set next to a baseline measured in the same run, on the same
# nodes, over the same sshd:
#   1. converged redeploy (system + environment stage, nothing to do) vs one bare `ssh node true`: one node, and
#      the whole fleet (one environment per node, nodes in parallel) vs one bare ssh per node in parallel
#   2. one changed file in a release of 5,000 files vs (a) the naive way a post-receive script does it: rsync into a
#      live directory + `systemctl restart` + wait until the socket answers (with downtime), and (b) a bare rsync
#   3. the same change on every node in parallel vs on 1 node
#   4. continuous HTTP load through a good deploy, a deploy whose health check fails, and a good one: dropped requests
# Usage: benchmarks/deploy-bench.sh [REPEATS]   (default 5); SECTIONS="1 2" runs only those sections. The testbed must be up; `scripts/testbed up --nodes 8`
# for the 8-node figure (with fewer nodes, section 3 uses all there are).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-5}
# shellcheck disable=SC1091
source "${HOSTENV_TESTBED_DIR:-/var/tmp/hostenv-testbed}/testbed.env"
# The CLI measured is the one operators run: the package scripts/install makes (ReadyToRun for this platform).
TOOL=${TOOL:-$ROOT/artifacts/bench-tool}
if [ -z "${SKIP_BUILD:-}" ]; then   # SKIP_BUILD=1: use the last build and install
  dotnet build Provider.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
  scripts/install --tool-path "$TOOL" >/dev/null
fi
HP=("$TOOL/hostenv-provider")
BENCH=(dotnet "$ROOT/benchmarks/Provider.Benchmarks/bin/Release/net10.0/Provider.Benchmarks.dll")
read -r -a NODES <<<"$HOSTENV_TESTBED_NODES"
addr() { local v; v="HOSTENV_TESTBED_NODE_$(tr 'a-z-' 'A-Z_' <<<"$1")_ADDRESS"; printf '%s' "${!v}"; }
FIRST=${NODES[0]}
A=$(addr "$FIRST")
SSH=(ssh -i "$HOSTENV_SSH_KEY" -o BatchMode=yes -o "UserKnownHostsFile=$HOSTENV_TESTBED_DIR/client/known_hosts")
WORK=$(mktemp -d /var/tmp/hostenv-bench.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
want() { [[ " ${SECTIONS:-1 2 3 4} " == *" $1 "* ]]; }
trace() { HOSTENV_PROVIDER_TRACE=1 "${H[@]}" "$@" 2>&1 | grep '^\[trace\]' | sed 's/^/  /'; }

# A provider repo for the testbed: project "bench" (env main, 5,000 files) on the first node, and project "fleet"
# with one small environment per node (n1, n2, ...) for the fleet-wide figures.
REPO=$WORK/repo
cp -r "$HOSTENV_TESTBED_PROVIDER" "$REPO"
mkdir -p "$REPO/app/.hostenv" "$REPO/small/.hostenv" "$REPO/generated" "$REPO/app/assets"
echo '{"_uidHighWaterMark": 45000}' > "$REPO/generated/state.json"
cp examples/demo/server "$REPO/app/server"; echo v1 > "$REPO/app/greeting.txt"
cp examples/demo/server "$REPO/small/server"; echo s1 > "$REPO/small/greeting.txt"
for i in $(seq 1 4998); do printf 'asset %05d %s\n' "$i" "$(head -c 600 /dev/zero | tr '\0' x)" > "$REPO/app/assets/f$i.txt"; done
cat > "$REPO/app/.hostenv/hostenv.yaml" <<YAML
organisation: acme
project: bench
environments:
  main:
    type: production
    node: $FIRST
    virtualHosts: { bench.hosting.test: { enableLetsEncrypt: false } }
    app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 10 } }
YAML
{
  printf 'organisation: acme\nproject: fleet\nenvironments:\n'
  for i in "${!NODES[@]}"; do
    printf '  n%d:\n    type: testing\n    node: %s\n' $((i + 1)) "${NODES[$i]}"
    printf '    virtualHosts: { n%d.fleet.hosting.test: { enableLetsEncrypt: false } }\n' $((i + 1))
    printf '    app: { run: "./server", healthCheck: { path: /health } }\n'
  done
} > "$REPO/small/.hostenv/hostenv.yaml"
sed -i 's/projects: {}/projects:\n  acme__bench: { path: app }\n  acme__fleet: { path: small }/' "$REPO/provider.yaml"
files=$(find "$REPO/app" -type f | wc -l)
H=("${HP[@]}" --dir "$REPO" --identity "$HOSTENV_SSH_KEY")
"${H[@]}" plan >/dev/null
"${H[@]}" deploy --yes --skip-gate > "$WORK/first.log" 2>&1 || { tail -20 "$WORK/first.log"; exit 1; }
"${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1   # daily use: the tool's caches (input digests, file hashes) are warm
echo "release: $files files, $(du -sk "$REPO/app" | cut -f1) KiB; first deploy of ${#NODES[@]} node(s) done"

if want 1; then
echo
echo "== 1. converged redeploy vs one bare ssh command (median of $REPEATS)"
all_ssh() { for n in "${NODES[@]}"; do "${SSH[@]}" "deploy@$(addr "$n")" true & done; wait; }
for _ in $(seq "$REPEATS"); do
  t0=$(now); "${SSH[@]}" "deploy@$A" true; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/ssh"
  t0=$(now); "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/noop"
  t0=$(now); all_ssh; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/ssh-all"
  t0=$(now); "${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/noop-all"
done
ssh_s=$(median < "$WORK/ssh"); noop_s=$(median < "$WORK/noop"); ssh_all=$(median < "$WORK/ssh-all"); noop_all=$(median < "$WORK/noop-all")
echo "bare ssh: ${ssh_s} s; converged deploy of $FIRST (system + 2 environments, nothing to do): ${noop_s} s; ratio $(ratio "$noop_s" "$ssh_s")x (goal 1.5x)"
echo "bare ssh to ${#NODES[@]} nodes in parallel: ${ssh_all} s; converged deploy of the fleet ($((${#NODES[@]} + 1)) environments): ${noop_all} s; ratio $(ratio "$noop_all" "$ssh_all")x (goal 1.5x)"
echo "where a converged deploy's time goes (HOSTENV_PROVIDER_TRACE=1, ms since the process started):"
trace deploy --yes --node "$FIRST" --skip-gate

fi

if want 2; then
echo
echo "== 2. one changed file in a $files-file release vs the naive way and vs rsync (median of $REPEATS)"
# The naive way, as a post-receive script does it: rsync into the live directory, restart the app, wait for its socket.
"${SSH[@]}" "deploy@$A" 'sudo bash -s' <<'SETUP'
set -e
rm -rf /srv/naive-bench /tmp/rsync-bench; install -d -o deploy /srv/naive-bench
printf '[Service]\nUMask=0000\nWorkingDirectory=/srv/naive-bench\nEnvironment=HOSTENV_LISTEN=unix:/run/naive-bench.sock\nExecStart=/srv/naive-bench/server\n' \
  > /etc/systemd/system/naive-bench.service
systemctl daemon-reload
SETUP
rsync -a -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/srv/naive-bench/"   # the baselines' first full copies
rsync -a -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/tmp/rsync-bench/"
"${SSH[@]}" "deploy@$A" 'sudo systemctl start naive-bench'
# shellcheck disable=SC2016  # expanded on the node
naive_wait='sudo systemctl restart naive-bench; for _ in $(seq 500); do curl -sf -o /dev/null --unix-socket /run/naive-bench.sock http://x/health && exit 0; sleep 0.01; done; exit 1'
for i in $(seq "$REPEATS"); do
  echo "v$((i + 1)) $(date +%s%N)" > "$REPO/app/greeting.txt"   # unique: the node's blob store outlives runs
  t0=$(now); out=$("${H[@]}" deploy --yes --node "$FIRST" --skip-gate 2>&1); t1=$(now); elapsed "$t0" "$t1" >> "$WORK/one"
  sent=$(grep -o 'sent [0-9]* blob(s), [0-9,]* bytes' <<<"$out" | head -1)
  t0=$(now)
  rsync -a -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/srv/naive-bench/"
  "${SSH[@]}" "deploy@$A" "$naive_wait"
  t1=$(now); elapsed "$t0" "$t1" >> "$WORK/naive"
  t0=$(now); stats=$(rsync -a --stats -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/tmp/rsync-bench/"); t1=$(now); elapsed "$t0" "$t1" >> "$WORK/rsync"
done
one_s=$(median < "$WORK/one"); naive_s=$(median < "$WORK/naive"); rsync_s=$(median < "$WORK/rsync")
echo "deploy (upload, assemble a new immutable release, start a slot, health check, switch, drain; no downtime): ${one_s} s, $sent"
echo "naive (rsync into the live directory, systemctl restart, wait for the socket; down while it restarts): ${naive_s} s"
echo "bare rsync of the same change: ${rsync_s} s, $(grep -o 'Total bytes sent: [0-9,]*' <<<"$stats")"
echo "ratio deploy/naive: $(ratio "$one_s" "$naive_s")x (goal 1.0x); deploy/rsync: $(ratio "$one_s" "$rsync_s")x (goal 2.0x)"
echo "where a one-file deploy's time goes (HOSTENV_PROVIDER_TRACE=1):"
echo "trace $(date +%s%N)" > "$REPO/app/greeting.txt"
trace deploy --yes --node "$FIRST" --skip-gate
"${SSH[@]}" "deploy@$A" 'sudo systemctl stop naive-bench; sudo rm -rf /srv/naive-bench /tmp/rsync-bench /etc/systemd/system/naive-bench.service; sudo systemctl daemon-reload'

fi

if want 3; then
echo
echo "== 3. a change on all ${#NODES[@]} nodes in parallel vs on 1 node (median of $REPEATS)"
for i in $(seq "$REPEATS"); do
  echo "p$i" > "$REPO/small/greeting.txt"
  t0=$(now); "${H[@]}" deploy --yes --env fleet/n1 --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/n1"
  echo "q$i" > "$REPO/small/greeting.txt"
  t0=$(now); "${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/nall"
done
n1=$(median < "$WORK/n1"); nall=$(median < "$WORK/nall")
echo "1 node: ${n1} s; ${#NODES[@]} nodes in parallel: ${nall} s; ratio $(ratio "$nall" "$n1")x (goal 1.5x; ${#NODES[@]}x would be sequential)"

fi

if want 4; then
echo
echo "== 4. dropped requests under continuous load: a good deploy, a failing one, a good one"
"${BENCH[@]}" load "$A" bench.hosting.test 30 4 > "$WORK/load" &
load_pid=$!
sleep 3
echo "good-1" > "$REPO/app/greeting.txt"; "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1 && echo "deploy good-1: ok"
echo "broken" > "$REPO/app/greeting.txt"; touch "$REPO/app/unhealthy"
if "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1; then echo "deploy broken: unexpectedly succeeded"; else echo "deploy broken: failed its health check (exit 1), as it should"; fi
rm -f "$REPO/app/unhealthy"; echo "good-2" > "$REPO/app/greeting.txt"; "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1 && echo "deploy good-2: ok"
wait "$load_pid" || true
cat "$WORK/load"
fi
