#!/bin/sh
# Prints the id of the node's current system generation (nothing when there is none).
basename "$(readlink "$HOSTENV_ROOT/current" 2>/dev/null)" 2>/dev/null || true
