#!/bin/sh
# Removes the node lock $1 if its owner file still holds token $2.
d="$1"
[ -d "$d" ] || exit 0
# The owner file is one line of JSON (no newline): the shell reads it without a process of its own.
owner=; IFS= read -r owner <"$d/owner.json" 2>/dev/null
case "$owner" in *"$2"*) ;; *) echo "not ours" >&2; exit 3 ;; esac
rm -rf -- "$d"
