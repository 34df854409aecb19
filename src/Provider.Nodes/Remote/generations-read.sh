#!/bin/sh
# Prints the generation record of the node under $1 (also a function inside the fleet monitor's collect script).
root="$1"
echo "current $(basename "$(readlink "$root/current" 2>/dev/null)" 2>/dev/null)"
[ -f "$root/generations.index" ] && sed 's/^/index /' "$root/generations.index"
[ -f "$root/switch.log" ] && tail -n 500 "$root/switch.log" | sed 's/^/log /'
for f in "$root"/generations/*/.complete; do [ -f "$f" ] && echo "present $(basename "$(dirname "$f")")"; done
true
