#!/usr/bin/env bash
# Deploy benchmarks on the testbed (sudo scripts/testbed up first). Every figure is set next to a baseline
# measured in the same run, on the same nodes, over the same sshd:
#   1. converged redeploy (system + environment stage, nothing to do) vs one bare `ssh node true`
#   2. one changed file in a release of 5,000 files vs rsync of the same tree (same change, same sshd)
#   3. a change on 2 nodes deployed in parallel vs the same kind of change on 1 node
#   4. continuous HTTP load through a good deploy, a deploy whose health check fails, and a good one: dropped requests
# Usage: benchmarks/deploy-bench.sh [REPEATS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-5}
# shellcheck disable=SC1091
source /var/tmp/hostenv-testbed/testbed.env
dotnet build Provider.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
HP=(dotnet "$ROOT/src/Provider.Cli/bin/Release/net10.0/hostenv-provider.dll")
BENCH=(dotnet "$ROOT/benchmarks/Provider.Benchmarks/bin/Release/net10.0/Provider.Benchmarks.dll")
A=$HOSTENV_TESTBED_NODE_NODE_A_ADDRESS
SSH=(ssh -i "$HOSTENV_SSH_KEY" -o BatchMode=yes -o "UserKnownHostsFile=$HOSTENV_TESTBED_DIR/client/known_hosts")
WORK=$(mktemp -d /var/tmp/hostenv-bench.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a/b}'; }

# A provider repo for the testbed with one project "bench": env main on node-a, env second on node-b.
REPO=$WORK/repo
cp -r "$HOSTENV_TESTBED_PROVIDER" "$REPO"
mkdir -p "$REPO/app/.hostenv" "$REPO/generated"
echo '{"_uidHighWaterMark": 45000}' > "$REPO/generated/state.json"
cp examples/demo/server "$REPO/app/server"; echo v1 > "$REPO/app/greeting.txt"
mkdir -p "$REPO/app/assets"
for i in $(seq 1 4996); do printf 'asset %05d %s\n' "$i" "$(head -c 600 /dev/zero | tr '\0' x)" > "$REPO/app/assets/f$i.txt"; done
cat > "$REPO/app/.hostenv/hostenv.yaml" <<'EOF'
organisation: acme
project: bench
environments:
  main:
    type: production
    node: node-a
    virtualHosts: { bench.hosting.test: { enableLetsEncrypt: false } }
    app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 10 } }
  second:
    type: testing
    node: node-b
    virtualHosts: { bench2.hosting.test: { enableLetsEncrypt: false } }
    app: { run: "./server", healthCheck: { path: /health } }
EOF
sed -i 's/projects: {}/projects:\n  acme__bench: { path: app }/' "$REPO/provider.yaml"
files=$(find "$REPO/app" -type f | wc -l)
H=("${HP[@]}" --dir "$REPO" --identity "$HOSTENV_SSH_KEY")
"${H[@]}" plan >/dev/null
"${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1
echo "release: $files files, $(du -sk "$REPO/app" | cut -f1) KiB; first deploy of both nodes done"

echo
echo "== 1. converged redeploy vs one bare ssh command (median of $REPEATS)"
for _ in $(seq "$REPEATS"); do
  t0=$(now); "${SSH[@]}" "deploy@$A" true; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/ssh"
  t0=$(now); "${H[@]}" deploy --yes --node node-a --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/noop"
done
ssh_s=$(median < "$WORK/ssh"); noop_s=$(median < "$WORK/noop")
echo "bare ssh: ${ssh_s} s; converged deploy of node-a (system + environment, nothing to do): ${noop_s} s; ratio $(ratio "$noop_s" "$ssh_s")x"

echo
echo "== 2. one changed file in a $files-file release vs rsync over the same sshd (median of $REPEATS)"
"${SSH[@]}" "deploy@$A" 'rm -rf /tmp/rsync-bench'
rsync -a -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/tmp/rsync-bench/"   # the baseline's first full copy
for i in $(seq "$REPEATS"); do
  echo "v$((i + 1)) $(date +%s%N)" > "$REPO/app/greeting.txt"   # unique: the node's blob store outlives runs
  t0=$(now); out=$("${H[@]}" deploy --yes --node node-a --skip-gate 2>&1); t1=$(now); elapsed "$t0" "$t1" >> "$WORK/one"
  sent=$(grep -o 'sent [0-9]* blob(s), [0-9,]* bytes' <<<"$out" | head -1)
  t0=$(now); stats=$(rsync -a --stats -e "${SSH[*]}" "$REPO/app/" "deploy@$A:/tmp/rsync-bench/"); t1=$(now); elapsed "$t0" "$t1" >> "$WORK/rsync"
done
one_s=$(median < "$WORK/one"); rsync_s=$(median < "$WORK/rsync")
echo "deploy (upload + assemble + start slot + health + switch + drain): ${one_s} s, $sent"
echo "rsync of the same change: ${rsync_s} s, $(grep -o 'Total bytes sent: [0-9,]*' <<<"$stats")"
echo "ratio deploy/rsync: $(ratio "$one_s" "$rsync_s")x (rsync only copies; deploy also builds a new immutable release and switches traffic)"
"${SSH[@]}" "deploy@$A" 'rm -rf /tmp/rsync-bench'

echo
echo "== 3. a change on 2 nodes in parallel vs on 1 node (median of $REPEATS)"
# A 3-file release here: assembling 5,000 files costs 0.25-3 s of kernel time on this VM's disk, varying
# from run to run, which would drown what this section measures (the tool's parallelism across nodes).
mv "$REPO/app/assets" "$WORK/assets"
"${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1
for i in $(seq "$REPEATS"); do
  echo "p$i" > "$REPO/app/greeting.txt"
  t0=$(now); "${H[@]}" deploy --yes --node node-a --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/n1"
  echo "q$i" > "$REPO/app/greeting.txt"
  t0=$(now); "${H[@]}" deploy --yes --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/n2"
done
n1=$(median < "$WORK/n1"); n2=$(median < "$WORK/n2")
echo "1 node: ${n1} s; 2 nodes in parallel: ${n2} s; ratio $(ratio "$n2" "$n1")x (2.0x would be sequential)"

echo
echo "== 4. dropped requests under continuous load: a good deploy, a failing one, a good one"
"${BENCH[@]}" load "$A" bench.hosting.test 30 4 > "$WORK/load" &
load_pid=$!
sleep 3
echo "good-1" > "$REPO/app/greeting.txt"; "${H[@]}" deploy --yes --node node-a --skip-gate >/dev/null 2>&1 && echo "deploy good-1: ok"
echo "broken" > "$REPO/app/greeting.txt"; touch "$REPO/app/unhealthy"
if "${H[@]}" deploy --yes --node node-a --skip-gate >/dev/null 2>&1; then echo "deploy broken: unexpectedly succeeded"; else echo "deploy broken: failed its health check (exit 1), as it should"; fi
rm -f "$REPO/app/unhealthy"; echo "good-2" > "$REPO/app/greeting.txt"; "${H[@]}" deploy --yes --node node-a --skip-gate >/dev/null 2>&1 && echo "deploy good-2: ok"
wait "$load_pid" || true
cat "$WORK/load"
