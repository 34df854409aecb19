#!/bin/sh
# An environment's secrets kept in git as age ciphertext: the node opens them with its own SSH host key and writes
# them to DIR/USER.age.env (0600, the environment's user), which the app unit reads after DIR/USER.env, so a name in
# the ciphertext wins over the same name set with `secrets set`. The ciphertext (armored) comes on stdin.
#   secrets-age.sh DIR USER MODE HOSTKEY
#   MODE check:   only try to open it (nothing is written); exit 3 when this node's key cannot
#   MODE install: open it and replace the file atomically (temporary file in DIR, then rename)
# (When a release has no ciphertext any more, deploy's state read, env-read-state.sh, removes the file.)
set -eu
dir=$1
user=$2
mode=$3
key=$4
file="$dir/$user.age.env"

umask 077
install -d -m 0711 -o root -g root "$dir"
tmp=$(mktemp "$dir/.age.XXXXXX")
trap 'rm -f "$tmp"' EXIT
out=$tmp
[ "$mode" = check ] && out=/dev/null
if ! err=$(age --decrypt --identity "$key" --output "$out" 2>&1); then
  printf 'this node cannot open the ciphertext with its host key %s: %s\n' "$key" "$err" >&2
  exit 3
fi

if [ "$mode" = check ]; then
  exit 0
fi

# Before the first deploy the user may not exist yet: the file stays root's until the deploy hands it over.
chown "$user:$user" "$tmp" 2>/dev/null || true
chmod 0600 "$tmp"
mv -f "$tmp" "$file"
