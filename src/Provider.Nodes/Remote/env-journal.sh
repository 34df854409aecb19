#!/bin/sh
# Appends a step to the environment's journal: $1 env state dir, $2 step, $3 release.
printf '%s %s %s\n' "$(date +%s)" "$2" "$3" >> "$1/journal"
