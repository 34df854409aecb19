#!/bin/sh
# hostenv-provider move, new node: unpacks the tar on stdin into the staging directory $1 (under the root-only
# $2, on the same filesystem as the homes), keeping the archived owners, modes and times.
set -e
install -d -o root -g root -m 0700 "$2"
install -d -o root -g root -m 0700 "$1"
cd "$1"
exec tar --numeric-owner --same-owner --preserve-permissions -xf -
