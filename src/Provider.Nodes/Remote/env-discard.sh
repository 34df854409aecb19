#!/bin/sh
# A failed release $1 is removed at once; its slot link ($2 home, $3 slot) goes with it (the live slot is untouched).
rm -rf "$1" "$1.partial"
[ -n "$3" ] && [ "$(readlink "$2/slots/$3")" = "$1" ] && rm -f "$2/slots/$3"
true
