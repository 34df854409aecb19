#!/bin/sh
# deploy --dry-run: the current generation, which of the users given exist, and the current manifest.
cur=$(basename "$(readlink "$HOSTENV_ROOT/current" 2>/dev/null)" 2>/dev/null)
echo "current ${cur:-none}"
for u in "$@"; do getent passwd "$u" >/dev/null && echo "user $u"; done
echo "---"
[ -n "$cur" ] && cat "$HOSTENV_ROOT/generations/$cur/manifest.json" 2>/dev/null
true
