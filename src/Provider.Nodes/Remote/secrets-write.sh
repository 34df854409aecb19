#!/bin/sh
# Sets (stdin, $4 = set) or removes ($4 = unset) secret $3 in user $2's file under $1.
set -e
dir="$1"; user="$2"; name="$3"; mode="$4"; file="$dir/$user.env"
install -d -m 0711 -o root -g root "$dir"
umask 077
tmp=$(mktemp "$dir/.secrets.XXXXXX")
if [ -f "$file" ]; then grep -v "^$name=" "$file" > "$tmp" || true; fi
[ "$mode" = set ] && cat >> "$tmp"
# Before the first deploy the user does not exist yet: the file stays root's until the deploy hands it over.
chown "$user:$user" "$tmp" 2>/dev/null || true; chmod 0600 "$tmp"
mv -f "$tmp" "$file"
