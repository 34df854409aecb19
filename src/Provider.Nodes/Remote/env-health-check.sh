#!/bin/sh
# Health check of slot socket $1 (host $2, path $3; interval $4, timeout $5, deadline $6 s; status $7-$8; unit $9).
# Bounded on the node: polls until the deadline; without a path, the socket must accept connections and the unit stay up.
sock="$1"; host="$2"; path="$3"; interval="$4"; timeout="$5"; deadline="$6"; low="$7"; high="$8"; unit="$9"
end=$(( $(date +%s) + deadline )); last="no answer"
# Until the app listens, look every 50 ms (a fixed interval would add up to a second to every deploy);
# once it answers HTTP, a failing answer is retried at the configured interval.
while [ ! -S "$sock" ] && [ "$(date +%s)" -lt "$end" ] && systemctl is-active --quiet "$unit"; do sleep 0.05; done
while :; do
  pause="$interval"
  if [ -S "$sock" ]; then
    if [ -z "$path" ]; then
      if curl -s -o /dev/null --max-time "$timeout" --unix-socket "$sock" "http://$host/"; then echo "OK socket answers"; exit 0; fi
      last="socket does not answer HTTP"
    else
      out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time "$timeout" --unix-socket "$sock" -H "Host: $host" "http://$host$path") || true
      code=${out%% *}; redirect=${out#* }
      [ "${code:-000}" = 000 ] && pause=0.1
      if [ "${code:-0}" -ge "$low" ] 2>/dev/null && [ "$code" -le "$high" ]; then echo "OK GET $path answered $code"; exit 0; fi
      last="GET $path answered ${code:-nothing}${redirect:+ (redirect to $redirect)}, expected $low-$high"
    fi
  else
    last="nothing listens on $sock"
  fi
  if ! systemctl is-active --quiet "$unit"; then
    state=$(systemctl show -p ActiveState --value "$unit"); result=$(systemctl show -p Result --value "$unit")
    last="$last; the unit is not running ($state: $result)"
    # Failed for good (it crashed more often than its restart limit allows) or exited: waiting out the deadline cannot help.
    case "$state" in failed|inactive) echo "FAIL $last"; exit 1 ;; esac
  fi
  [ "$(date +%s)" -ge "$end" ] && { echo "FAIL $last (deadline ${deadline} s)"; exit 1; }
  sleep "$pause"
done
