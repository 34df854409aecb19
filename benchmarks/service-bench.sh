#!/usr/bin/env bash
# Deploy service benchmarks on the testbed (sudo scripts/testbed up first), each against a baseline of the same run:
#   1. a deploy through the service (deploy --remote: POST, job, streamed progress) vs the same deploy through the CLI
#   2. time from the POST to the first progress line on the client (no-op deploys) vs one bare `ssh node true`
#   3. JOBS queued no-op deploys over 2 nodes (alternating) run by the service vs the sum of their CLI times
# Usage: benchmarks/service-bench.sh [REPEATS] [JOBS]   (defaults 5 and 100)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-5}; JOBS=${2:-100}
# shellcheck disable=SC1091
source /var/tmp/hostenv-testbed/testbed.env
dotnet build Provider.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
HP=(dotnet "$ROOT/src/Provider.Cli/bin/Release/net10.0/hostenv-provider.dll")
SSH=(ssh -i "$HOSTENV_SSH_KEY" -o BatchMode=yes -o "UserKnownHostsFile=$HOSTENV_TESTBED_DIR/client/known_hosts")
WORK=$(mktemp -d /var/tmp/hostenv-service-bench.XXXXXX)
SERVE=""
trap '[ -z "$SERVE" ] || { kill -TERM "$SERVE"; wait "$SERVE" || true; }; rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# shellcheck source=benchmarks/bench-repo.sh
source benchmarks/bench-repo.sh
bench_repo sbench 46100 two
TOKEN=$("${H[@]}" token create bench --scope deploy --db "$WORK/service.db" 2>/dev/null)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"${H[@]}" serve --db "$WORK/service.db" --listen "127.0.0.1:$PORT" --interval 300s 2> "$WORK/serve.log" &
SERVE=$!
for _ in $(seq 1 100); do curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/whoami" >/dev/null && break; sleep 0.2; done
AUTH=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
echo "testbed nodes: $HOSTENV_TESTBED_NODES; load: $(cut -d' ' -f1-3 /proc/loadavg); service at $URL"

echo
echo "== 1. one changed file deployed through the service (deploy --remote) vs through the CLI (median of $REPEATS)"
for i in $(seq "$REPEATS"); do
  echo "cli $i $(date +%s%N)" > "$REPO/app/greeting.txt"
  t0=$(now); "${H[@]}" deploy --yes --env sbench/main --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/cli"
  echo "api $i $(date +%s%N)" > "$REPO/app/greeting.txt"
  t0=$(now); "${HP[@]}" deploy --remote "$URL" --token "$TOKEN" --env sbench/main --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/api"
done
cli=$(median < "$WORK/cli"); api=$(median < "$WORK/api")
echo "CLI deploy: ${cli} s; through the service: ${api} s; ratio $(ratio "$api" "$cli")x (goal <= 1.1x)"

echo
echo "== 2. POST to the first progress line on the client (no-op deploy, median of $REPEATS) vs one bare ssh"
for _ in $(seq "$REPEATS"); do
  t0=$(now); "${SSH[@]}" "deploy@$HOSTENV_TESTBED_NODE_NODE_A_ADDRESS" true; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/ssh"
  t0=$(now)
  curl -sN "${AUTH[@]}" -H 'Accept: text/event-stream' -d '{"environments":["sbench/main"],"skipGate":true}' "$URL/api/deploy" \
    | while IFS= read -r line; do if [ "$line" = "event: progress" ]; then now > "$WORK/first"; fi; done
  elapsed "$t0" "$(cat "$WORK/first")" >> "$WORK/firstline"
done
ssh_s=$(median < "$WORK/ssh"); first=$(median < "$WORK/firstline")
echo "bare ssh: ${ssh_s} s; POST to first progress line: ${first} s ($(ratio "$first" "$ssh_s")x)"

echo
echo "== 3. $JOBS queued no-op deploys over 2 nodes vs the sum of their CLI times"
for _ in $(seq "$REPEATS"); do
  t0=$(now); "${H[@]}" deploy --yes --env sbench/main --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/noop-a"
  t0=$(now); "${H[@]}" deploy --yes --env sbench/second --skip-gate >/dev/null 2>&1; t1=$(now); elapsed "$t0" "$t1" >> "$WORK/noop-b"
done
a=$(median < "$WORK/noop-a"); b=$(median < "$WORK/noop-b")
sum=$(awk -v a="$a" -v b="$b" -v n="$JOBS" 'BEGIN {printf "%.1f", n / 2 * (a + b)}')
t0=$(now)
for i in $(seq "$JOBS"); do
  env=sbench/main; [ $((i % 2)) -eq 0 ] && env=sbench/second
  curl -sf "${AUTH[@]}" -d "{\"environments\":[\"$env\"],\"skipGate\":true,\"reason\":\"bench $i\"}" "$URL/api/deploy" >/dev/null
done
queued=$(elapsed "$t0" "$(now)")
while :; do
  open=$(curl -sf "${AUTH[@]}" "$URL/api/jobs?limit=500" | jq '[.[] | select(.state == "queued" or .state == "running")] | length')
  [ "$open" -eq 0 ] && break
  sleep 0.5
done
total=$(elapsed "$t0" "$(now)")
failed=$(curl -sf "${AUTH[@]}" "$URL/api/jobs?limit=500" | jq '[.[] | select(.state != "succeeded")] | length')
echo "CLI no-op deploy: main ${a} s, second ${b} s; sum for $JOBS jobs: ${sum} s"
echo "service: $JOBS jobs queued in ${queued} s, all ended after ${total} s ($failed not succeeded); ratio $(ratio "$total" "$sum")x the sum"
