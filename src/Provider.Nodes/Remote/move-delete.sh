#!/bin/sh
# hostenv-provider move, new node: removes from the staging directory $1 the entries named on stdin (NUL-separated,
# relative; the deployer checked them) that the old node no longer has, or has as another type.
set -e
[ -d "$1" ] || exit 0
cd "$1"
xargs -0 -r rm -rf --
