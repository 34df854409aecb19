#!/bin/sh
# Removes the expired generations named in the arguments.
cd "$HOSTENV_ROOT/generations" && for g in "$@"; do rm -rf -- "$g"; done
