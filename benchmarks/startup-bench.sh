#!/usr/bin/env bash
# CLI start-up: `hostenv-provider --version` (the Release build, and the package scripts/install makes) against a .NET
# hello-world (benchmarks/HelloWorld), each run through its apphost, interleaved, N times each (default 30); prints each one's median and the ratio.
# Usage: benchmarks/startup-bench.sh [N]. Needs no testbed. TOOL=DIR: measure the tool installed there (scripts/install
# --tool-path DIR) instead of packing one (the pack takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
n=${1:-30}
out=$(mktemp -d /tmp/startup-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
dotnet build src/Provider.Cli -c Release -nologo -v quiet -clp:ErrorsOnly -o "$out/cli" >/dev/null
dotnet build benchmarks/HelloWorld -c Release -nologo -v quiet -clp:ErrorsOnly -o "$out/hello" >/dev/null
tooldir=${TOOL:-$out/tool}
[ -n "${TOOL:-}" ] || scripts/install --tool-path "$tooldir" >/dev/null
cli=("$out/cli/hostenv-provider" --version)
tool=("$tooldir/hostenv-provider" --version)
hello=("$out/hello/HelloWorld")
"${cli[@]}" >/dev/null; "${tool[@]}" >/dev/null; "${hello[@]}" >/dev/null # first runs fill the OS page cache

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }
for _ in $(seq "$n"); do
  ms "${hello[@]}" >> "$out/hello.txt"
  ms "${cli[@]}" >> "$out/cli.txt"
  ms "${tool[@]}" >> "$out/tool.txt"
done
h=$(median < "$out/hello.txt"); c=$(median < "$out/cli.txt"); t=$(median < "$out/tool.txt")
echo "| measure | baseline (hello-world) ms | hostenv-provider --version ms | ratio |"
echo "|---|---:|---:|---:|"
echo "| CLI start-up, Release build (JIT), median of $n | $h | $c | $(awk -v c="$c" -v h="$h" 'BEGIN { printf "%.2fx", c / h }') |"
echo "| CLI start-up, as scripts/install installs it (composite ReadyToRun with its runtime), median of $n | $h | $t | $(awk -v c="$t" -v h="$h" 'BEGIN { printf "%.2fx", c / h }') |"
