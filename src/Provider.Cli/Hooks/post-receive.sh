#!/bin/sh
# hostenv-provider post-receive hook (installed by `hostenv-provider hook install`; reinstall to change it).
# For each pushed ref, asks the deploy service to deploy the environments that follow it and prints the
# job's progress into the output of `git push`; exits non-zero when a deploy failed, so the push shows it.
# Needs curl and awk. Settings (HOSTENV_SERVICE, HOSTENV_TOKEN_FILE) follow.
#@SETTINGS@

repo=$(cd "${GIT_DIR:-.}" && pwd -P) || exit 1
token=
if [ -n "$HOSTENV_TOKEN_FILE" ]; then
  token=$(cat "$HOSTENV_TOKEN_FILE") || { echo "hostenv: cannot read the token file $HOSTENV_TOKEN_FILE"; exit 1; }
fi

json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

status=0
while read -r old new ref; do
  case $new in
    *[!0]*) ;;
    *) continue ;; # a deleted ref deploys nothing
  esac
  : "$old"
  echo "hostenv: $ref → $new: asking $HOSTENV_SERVICE"
  body="{\"repository\":$(json_string "$repo"),\"ref\":$(json_string "$ref"),\"rev\":$(json_string "$new")}"
  # The token goes through curl's config on stdin, never on the command line (where ps would show it).
  if [ -n "$token" ]; then
    printf 'header = "Authorization: Bearer %s"\n' "$token"
  fi | curl -sS -N -K - --connect-timeout 10 -X POST \
      -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
      --data-binary "$body" "${HOSTENV_SERVICE%/}/hooks/push" |
    awk '
      /^event: / { event = substr($0, 8); next }
      /^data: / {
        data = substr($0, 7)
        if (event == "result") {
          result = 1
          code = 1
          if (match(data, /"exitCode": *[0-9]+/)) { c = substr(data, RSTART, RLENGTH); sub(/^[^:]*: */, "", c); code = c + 0 }
          summary = data
          if (match(data, /"summary": *"/)) { summary = substr(data, RSTART + RLENGTH); sub(/"[^"]*$/, "", summary) }
          print "hostenv: " (code == 0 ? "done" : "FAILED (exit " code ")") ": " summary
        } else {
          print data
        }
        next
      }
      /^(id|retry):/ || /^:/ || /^$/ { next }
      { print "hostenv: " $0 }
      END {
        if (!result) { print "hostenv: the service sent no result (see above)"; exit 1 }
        exit code
      }' || status=1
done
exit $status
