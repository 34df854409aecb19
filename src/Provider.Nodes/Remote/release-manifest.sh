#!/bin/sh
# hostenv-provider: the manifest of a release, shared by deploy (records it), status and diagnose (compare it).
# POSIX sh functions only; the C# side prepends this file to the scripts that use it (ReleaseManifest.cs).
# A manifest is `sha256sum` output for every regular file of the release, sorted by path in the C locale
# (symbolic links, i.e. the shared directories, are not content). Releases are immutable: a difference
# between the recorded manifest and the live tree is an edit made in place on the node (drift).

# release_manifest DIR: the manifest of the tree at DIR, paths relative to it ("./path").
release_manifest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# release_drift MANIFEST DIR: one line per difference, sorted by path: "+ path" added, "- path" removed,
# "~ path" changed (content). Nothing when the tree matches; "? no manifest" when none was recorded.
release_drift() {
  if [ ! -f "$1" ]; then echo "? no manifest"; return 0; fi
  release_manifest "$2" | LC_ALL=C awk -v m="$1" '
    BEGIN { while ((getline l < m) > 0) recorded[substr(l, 67)] = substr(l, 1, 64) }
    { h = substr($0, 1, 64); p = substr($0, 67); seen[p] = 1
      if (!(p in recorded)) print "+ " substr(p, 3); else if (recorded[p] != h) print "~ " substr(p, 3) }
    END { for (p in recorded) if (!(p in seen)) print "- " substr(p, 3) }' | LC_ALL=C sort -k2
}
