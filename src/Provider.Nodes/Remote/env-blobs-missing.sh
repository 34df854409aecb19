#!/bin/sh
# Prints the blob hashes read from stdin that the store $1 lacks.
install -d -m 0700 "$1"
while read -r s; do [ -f "$1/$s" ] || echo "$s"; done
