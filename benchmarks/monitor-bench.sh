#!/usr/bin/env bash
# Fleet monitor benchmarks on the testbed (sudo scripts/testbed up [--nodes 8] first): one collection cycle vs one bare
# `ssh node true`, bytes moved vs new log bytes, all nodes vs one (MonitorCycleBenchmark), then the store at 1,000,000
# lines (search p50/p95 vs a primary-key lookup, ingest rate, size per million lines).
# Usage: benchmarks/monitor-bench.sh [REPEATS] [LINES]   (defaults 7 and 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPEATS=${1:-7}; LINES=${2:-1000000}
# shellcheck disable=SC1091
source /var/tmp/hostenv-testbed/testbed.env
dotnet build Provider.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
HP=(dotnet "$ROOT/src/Provider.Cli/bin/Release/net10.0/hostenv-provider.dll")
BENCH=(dotnet "$ROOT/benchmarks/Provider.Benchmarks/bin/Release/net10.0/Provider.Benchmarks.dll")
WORK=$(mktemp -d /var/tmp/hostenv-monitor-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The testbed's provider repo with one app environment on the first node.
# shellcheck source=benchmarks/bench-repo.sh
source benchmarks/bench-repo.sh
bench_repo mbench 46000
first=${HOSTENV_TESTBED_NODES%% *}
echo "deployed one app environment on $first; nodes: $HOSTENV_TESTBED_NODES; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"${BENCH[@]}" monitor-cycle "$REPO" "$HOSTENV_SSH_KEY" "$REPEATS" mbench.hosting.test
echo
"${BENCH[@]}" monitor-store "$LINES"
