#!/bin/sh
# The live release's drift: $1 env state dir, $2 home. Prints "release NAME", then release_drift's lines
# (release_drift comes from release-manifest.sh, prepended).
r=$(sed -n 's/^release=//p' "$1/state" 2>/dev/null)
[ -n "$r" ] || exit 0
echo "release $r"
release_drift "$1/manifests/$r" "$2/releases/$r"
