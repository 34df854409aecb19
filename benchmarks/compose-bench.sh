#!/usr/bin/env bash
# Compose benchmark on a testbed brought up with `scripts/testbed up --containers` (issue 11):
#   1. a one-line change to a one-service compose project: `deploy` (new immutable release, image built and tagged on
#      the node, second slot started beside the live one, health check, switch, drain) vs the by-hand way on the node:
#      rsync the change into a directory + `docker compose up -d --build` + wait until the service answers (it
#      replaces the container in place: down while it restarts), both measured in the same run;
#   2. continuous HTTP load through its vhost during a good deploy and one whose health check fails: failed requests.
# Usage: benchmarks/compose-bench.sh [REPEATS]  (default 5); SKIP_BUILD=1 uses the last Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-5}
# shellcheck disable=SC1091
source "${HOSTENV_TESTBED_DIR:-/var/tmp/hostenv-testbed}/testbed.env"
[ "${HOSTENV_TESTBED_CONTAINERS:-0}" = 1 ] || { echo "compose-bench: the testbed's nodes cannot run containers: scripts/testbed up --containers" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || dotnet build Provider.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
HP=(dotnet "$ROOT/src/Provider.Cli/bin/Release/net10.0/hostenv-provider.dll")
BENCH=(dotnet "$ROOT/benchmarks/Provider.Benchmarks/bin/Release/net10.0/Provider.Benchmarks.dll")
read -r -a NODES <<<"$HOSTENV_TESTBED_NODES"
FIRST=${NODES[0]}
v="HOSTENV_TESTBED_NODE_$(tr 'a-z-' 'A-Z_' <<<"$FIRST")_ADDRESS"; A=${!v}
SSH=(ssh -i "$HOSTENV_SSH_KEY" -o BatchMode=yes -o "UserKnownHostsFile=$HOSTENV_TESTBED_DIR/client/known_hosts")
WORK=$(mktemp -d /var/tmp/hostenv-compose-bench.XXXXXX)
cleanup() {
  "${SSH[@]}" "deploy@$A" 'cd /srv/compose-naive 2>/dev/null && sudo docker-compose -p naive down -t 1 >/dev/null 2>&1; sudo rm -rf /srv/compose-naive' || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# The project: one service built FROM scratch with the host's static busybox (no registry), httpd serving www/.
REPO=$WORK/repo
cp -r "$HOSTENV_TESTBED_PROVIDER" "$REPO"
APP=$REPO/app
mkdir -p "$APP/.hostenv" "$APP/www" "$REPO/generated"
echo '{"_uidHighWaterMark": 60900}' > "$REPO/generated/state.json"
cp /bin/busybox "$APP/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCOPY www /www\n' > "$APP/Dockerfile"
printf 'services:\n  web:\n    build: .\n    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' > "$APP/compose.yaml"
echo ok > "$APP/www/health"; echo v1 > "$APP/www/index.html"
cat > "$APP/.hostenv/hostenv.yaml" <<YAML
organisation: acme
project: cbench
environments:
  main:
    type: production
    node: $FIRST
    virtualHosts: { cbench.hosting.test: { enableLetsEncrypt: false } }
    app:
      compose: { file: compose.yaml, service: web, port: 8080 }
      healthCheck: { path: /health, deadlineSeconds: 20 }
YAML
sed -i 's/projects: {}/projects:\n  acme__cbench: { path: app }/' "$REPO/provider.yaml"
H=("${HP[@]}" --dir "$REPO" --identity "$HOSTENV_SSH_KEY")
"${H[@]}" plan >/dev/null
"${H[@]}" node bootstrap "$FIRST" >/dev/null 2>&1
"${H[@]}" deploy --yes --skip-gate --node "$FIRST" > "$WORK/first.log" 2>&1 || { tail -20 "$WORK/first.log"; exit 1; }

# The by-hand baseline on the same node: the same files in a directory, published on a loopback port.
"${SSH[@]}" "deploy@$A" 'sudo install -d -o deploy /srv/compose-naive'
printf 'services:\n  web:\n    init: true\n    ports: ["127.0.0.1:18080:8080"]\n' > "$WORK/naive.override.yaml"   # init: as deploy does (busybox as PID 1 ignores SIGTERM: 10 s per stop)
rsync -a -e "${SSH[*]}" "$APP/" "deploy@$A:/srv/compose-naive/"
rsync -a -e "${SSH[*]}" "$WORK/naive.override.yaml" "deploy@$A:/srv/compose-naive/docker-compose.override.yaml"
# shellcheck disable=SC2016  # expanded on the node
naive_up='cd /srv/compose-naive && sudo docker-compose -p naive -f compose.yaml -f docker-compose.override.yaml up -d --build >/dev/null 2>&1 && for _ in $(seq 500); do curl -sf -o /dev/null http://127.0.0.1:18080/health && exit 0; sleep 0.01; done; exit 1'
"${SSH[@]}" "deploy@$A" "$naive_up"
echo "compose project: 1 service, image FROM scratch + busybox; first deploy done on $FIRST"

echo
echo "== 1. a one-line change: deploy vs rsync + docker-compose up -d --build by hand (median of $REPEATS)"
for i in $(seq "$REPEATS"); do
  echo "v$((i + 1)) $(date +%s%N)" > "$APP/www/index.html"
  t0=$(now); "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/deploy"
  t0=$(now)
  rsync -a -e "${SSH[*]}" --exclude .hostenv "$APP/" "deploy@$A:/srv/compose-naive/"
  "${SSH[@]}" "deploy@$A" "$naive_up"
  t1=$(now); elapsed "$t0" "$t1" >> "$WORK/naive"
done
d=$(median < "$WORK/deploy"); n=$(median < "$WORK/naive")
echo "deploy (image built and tagged, second slot, health check, switch, drain; no downtime): ${d} s"
echo "by hand (rsync, docker-compose up -d --build, wait until it answers; the container is replaced in place): ${n} s"
echo "ratio deploy/by-hand: $(ratio "$d" "$n")x"

echo
echo "== 2. failed requests under continuous load through the vhost: a good deploy, then one whose health check fails"
"${BENCH[@]}" load "$A" cbench.hosting.test 25 4 > "$WORK/load" &
load_pid=$!
sleep 3
echo "good $(date +%s%N)" > "$APP/www/index.html"
if "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1; then echo "deploy good: ok"; else echo "deploy good: FAILED"; fi
rm -f "$APP/www/health"; echo "broken" > "$APP/www/index.html"
if "${H[@]}" deploy --yes --node "$FIRST" --skip-gate >/dev/null 2>&1; then echo "deploy broken: unexpectedly succeeded"; else echo "deploy broken: failed its health check (exit 1), as it should"; fi
echo ok > "$APP/www/health"
wait "$load_pid" || true
cat "$WORK/load"
