#!/bin/sh
# Makes generation $1 current with its own switch script; $2 is the reason switch.log records.
/bin/sh "$HOSTENV_ROOT/generations/$1/libexec/hostenv-switch" "$1" --reason "$2"
