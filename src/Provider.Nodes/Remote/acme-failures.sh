#!/bin/sh
# The last lego line of every ACME vhost still on its placeholder certificate (cert root $1).
domains="$HOSTENV_ROOT/current/acme/domains"
[ -f "$domains" ] || exit 0
while read -r d || [ -n "$d" ]; do
  [ -n "$d" ] || continue
  [ -f "$1/$d/placeholder" ] || continue
  echo "  $d: $(grep -v '^\s*$' "$HOSTENV_LOGS/acme-$d.log" 2>/dev/null | tail -n 1 | cut -c1-300)"
done < "$domains"
