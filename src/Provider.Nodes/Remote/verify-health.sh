#!/bin/sh
# verify: the live slot of an environment answers its health check. $1 upstream socket, $2 host, $3 path,
# $4-$5 expected status range, $6 the app unit with SLOT for the slot, $7-$8 the sockets of slots a and b.
sock="$1"; host="$2"; path="$3"; low="$4"; high="$5"; unit="$6"; sa="$7"; sb="$8"
case "$(readlink "$sock" 2>/dev/null)" in "$sa") slot=a ;; "$sb") slot=b ;; *) echo "FAIL no live release: nginx's upstream link $sock points nowhere"; exit 0 ;; esac
u=$(echo "$unit" | sed "s/SLOT/$slot/")
state=$(systemctl is-active "$u" 2>/dev/null)
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 --unix-socket "$sock" -H "Host: $host" "http://$host${path:-/}") || true
code=${out%% *}; redirect=${out#* }
if [ "$state" != active ]; then echo "FAIL slot $slot: $u is $state (HTTP ${code:-000})"; exit 0; fi
if [ "${code:-0}" -ge "$low" ] 2>/dev/null && [ "$code" -le "$high" ]; then echo "OK slot $slot: GET ${path:-/} answered $code"; exit 0; fi
echo "FAIL slot $slot: GET ${path:-/} answered ${code:-nothing}${redirect:+ (redirect to $redirect)}, expected $low-$high"
