# shellcheck shell=bash
# Sourced by the testbed benchmarks: a copy of the testbed's provider repo with one project (PROJECT) whose environment
# "main" runs the demo app on the first node and, with a second argument, "second" on the second node. Sets REPO and H
# (the CLI with --dir/--identity), plans and deploys it; UIDFROM keeps benchmarks' users apart on the nodes.
# Usage: bench_repo PROJECT UIDFROM [two]. Needs WORK, HP and the testbed's env file sourced.
bench_repo() {
  local project=$1 uid=$2 two=${3:-} first second
  REPO=$WORK/repo
  cp -r "$HOSTENV_TESTBED_PROVIDER" "$REPO"
  mkdir -p "$REPO/app/.hostenv" "$REPO/generated"
  echo "{\"_uidHighWaterMark\": $uid}" > "$REPO/generated/state.json"
  cp examples/demo/server "$REPO/app/server"; echo v1 > "$REPO/app/greeting.txt"
  first=${HOSTENV_TESTBED_NODES%% *}; second=$(cut -d' ' -f2 <<<"$HOSTENV_TESTBED_NODES")
  {
    printf 'organisation: acme\nproject: %s\nenvironments:\n' "$project"
    printf '  main:\n    type: production\n    node: %s\n    virtualHosts: { %s.hosting.test: { enableLetsEncrypt: false } }\n' "$first" "$project"
    printf '    app: { run: "./server", healthCheck: { path: /health } }\n'
    if [ -n "$two" ]; then
      printf '  second:\n    type: testing\n    node: %s\n    virtualHosts: { %s2.hosting.test: { enableLetsEncrypt: false } }\n' "$second" "$project"
      printf '    app: { run: "./server", healthCheck: { path: /health } }\n'
    fi
  } > "$REPO/app/.hostenv/hostenv.yaml"
  sed -i "s/projects: {}/projects:\n  acme__$project: { path: app }/" "$REPO/provider.yaml"
  H=("${HP[@]}" --dir "$REPO" --identity "$HOSTENV_SSH_KEY")
  "${H[@]}" plan >/dev/null 2>&1
  "${H[@]}" deploy --yes --skip-gate > "$WORK/first-deploy.log" 2>&1 || { cat "$WORK/first-deploy.log" >&2; return 1; }
}
