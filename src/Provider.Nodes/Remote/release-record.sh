#!/bin/sh
# Records the manifest of a release just built: $1 env state dir, $2 release dir, $3 release id, $4 releases dir;
# forgets the manifests of releases that are gone. $5 "stdin": the manifest comes on stdin (the deployer wrote it from
# the files it assembled, when nothing else wrote into the release); otherwise every file is hashed here. $6: the
# release's fingerprint, written with its id to $1/built afterwards (the release is complete; a resume reuses it).
# release_manifest comes from release-manifest.sh (prepended).
set -e
d="$1/manifests"
install -d -m 0700 "$d"
if [ "${5:-}" = stdin ]; then cat > "$d/$3.new"; else release_manifest "$2" > "$d/$3.new"; fi
mv -f "$d/$3.new" "$d/$3"
for f in "$d"/*; do
  [ -d "$4/${f##*/}" ] || rm -f "$f"
done
[ -z "${6:-}" ] || printf '%s %s\n' "$3" "$6" > "$1/built"
