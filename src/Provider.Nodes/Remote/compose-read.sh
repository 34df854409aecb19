#!/bin/sh
# What starting a compose release needs from the node, in one trip: $1 env dir, $2 release id, $3 release dir, $4 compose
# file (relative to the release). Prints the images compose-build.sh pinned for the release's services that name an
# image ("pin TAB service TAB image TAB id TAB digest"), then the compose file, each of its lines prefixed "file ".
set -e
awk -F '\t' -v r="$2" '$1 == r && NF >= 4 { printf "pin\t%s\t%s\t%s\t%s\n", $4, $2, $3, $5 }' "$1/compose-images" 2>/dev/null || true
sed 's/^/file /' "$3/$4"
