#!/bin/sh
# Enables and starts nginx; prints changed or same.
if systemctl is-enabled --quiet nginx && systemctl is-active --quiet nginx; then echo same; exit 0; fi
systemctl enable --now nginx >/dev/null 2>&1 && echo changed
