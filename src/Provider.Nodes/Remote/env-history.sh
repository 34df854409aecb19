#!/bin/sh
# An environment's records for history and rollback, in one trip: $1 its env state dir. Prints deploys.log as it is,
# then each line of compose-images (the images compose-build.sh recorded per release: "release TAB image TAB id", and
# for a service that names an image, "TAB service TAB digest") prefixed with "image TAB".
cat "$1/deploys.log" 2>/dev/null
t=$(printf '\t')
sed "s/^/image$t/" "$1/compose-images" 2>/dev/null
true
