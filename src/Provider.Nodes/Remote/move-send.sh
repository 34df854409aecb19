#!/bin/sh
# hostenv-provider move, old node: writes to stdout a tar of the entries named on stdin (NUL-separated, relative to
# $1), owners numeric, modes and times exact (POSIX format keeps nanoseconds), directories without their contents.
set -e
cd "$1"
exec tar --format=posix --pax-option=delete=atime,delete=ctime --numeric-owner --no-recursion --null -T - -cf -
