#!/bin/sh
# Records the manifest of a release just built: $1 env state dir, $2 release dir, $3 release id, $4 releases dir;
# forgets the manifests of releases that are gone. $5 "stdin": the manifest comes on stdin (the deployer wrote it from
# the files it assembled, when nothing else wrote into the release); otherwise every file is hashed here.
# release_manifest comes from release-manifest.sh (prepended).
set -e
d="$1/manifests"
install -d -m 0700 "$d"
if [ "${5:-}" = stdin ]; then cat > "$d/$3.new"; else release_manifest "$2" > "$d/$3.new"; fi
mv -f "$d/$3.new" "$d/$3"
for f in "$d"/*; do
  [ -d "$4/${f##*/}" ] || rm -f "$f"
done
