#!/bin/sh
# Creates directory $1 with mode $2 unless it exists with that mode; prints changed or same.
if [ -d "$1" ] && [ "$(stat -c %a "$1")" = "${2#0}" ]; then echo same; exit 0; fi
install -d -m "$2" "$1" && echo changed
