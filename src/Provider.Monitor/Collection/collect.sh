#!/bin/bash
# hostenv-provider monitor: one collection cycle on a node, run as root over SSH (bash).
# Reads its work list on stdin, one record per line, fields separated by tabs:
#   budget <bytes>                 log bytes this cycle may bring back (all sources together)
#   since <unix seconds>           where the journal starts when there is no cursor yet
#   journal <cursor>               the journal position after the last stored line (may be empty)
#   env <user> <dir> <unit with SLOT> <socket> <health path>
#   vhost <name> <cert dir or -> <access log> <access cursor> <error log> <error cursor> <cert cursor>
#         (file cursors: inode:offset; cert cursor: mtime:notAfter of the certificate last read)
# An empty value is written "-" (tab is IFS whitespace: read would merge empty fields).
# Writes sections introduced by "@@" lines (see CollectOutput.cs); payload line counts are given up front, so a
# payload line that starts with "@@" is still payload. "@@end" last: output without it was cut off and is discarded.
set -u
export LC_ALL=C
tmp=$(mktemp -d /tmp/hostenv-collect.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')
budget=0; since=0; jcursor=""
envs=(); vhosts=()
while IFS= read -r rec; do
  case "${rec%%"$tab"*}" in
    budget) budget=${rec#*"$tab"} ;;
    since) since=${rec#*"$tab"} ;;
    journal) jcursor=${rec#*"$tab"}; [ "$jcursor" != "-" ] || jcursor="" ;;
    env) envs+=("${rec#*"$tab"}") ;;
    vhost) vhosts+=("${rec#*"$tab"}") ;;
  esac
done
remaining=$budget

echo "@@node"
read -r l1 l5 l15 _ < /proc/loadavg && echo "load $l1 $l5 $l15"
echo "mem $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) $(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
echo "disk $(df -B1 --output=size,avail,itotal,iavail / 2>/dev/null | tail -n 1)"
systemctl list-units --state=failed --no-legend --plain 2>/dev/null | while read -r u _; do echo "failed $u"; done

echo "@@generations"
generations "$HOSTENV_ROOT"

for e in ${envs[@]+"${envs[@]}"}; do
  IFS="$tab" read -r u dir unit sock hp <<<"$e"
  echo "@@env $u"
  grep -v -e '^fingerprint' -e '^inputs=' "$dir/state" 2>/dev/null
  slot=$(sed -n 's/^slot=//p' "$dir/state" 2>/dev/null)
  if [ -n "$slot" ]; then
    echo "active=$(systemctl is-active "${unit//SLOT/$slot}" 2>/dev/null)"
    echo "http=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --unix-socket "$sock" "http://localhost$hp" 2>/dev/null)"
  fi
  tail -n 200 "$dir/deploys.log" 2>/dev/null > "$tmp/deploys"
  echo "@@deploys $u $(wc -l < "$tmp/deploys")"
  cat "$tmp/deploys"
done

# emit KIND VHOST PATH INODE OFFSET: complete lines from OFFSET within the budget; sets $reached to the offset after them.
emit() {
  reached=$5
  [ "$remaining" -gt 0 ] || return 0
  tail -c +"$(($5 + 1))" "$3" 2>/dev/null | head -c "$remaining" > "$tmp/chunk"
  local n bytes got
  n=$(wc -l < "$tmp/chunk")
  got=$(wc -c < "$tmp/chunk")
  if [ "$n" -eq 0 ] && [ "$got" -gt 0 ] && [ "$got" -ge "$remaining" ]; then
    # One line longer than the whole budget: it comes in pieces rather than blocking the log forever.
    echo >> "$tmp/chunk"; n=1; bytes=$got
  else
    bytes=$(head -n "$n" "$tmp/chunk" | wc -c)
  fi
  echo "@@file $1 $2 $4 $5 $bytes $n"
  head -n "$n" "$tmp/chunk"
  remaining=$((remaining - bytes)); reached=$(($5 + bytes))
}

# follow KIND VHOST PATH CURSOR: the file from the cursor on, through one rotation (Debian's logrotate keeps PATH.1 uncompressed).
follow() {
  local f=$3 ino="" off=0 nino size old="" o
  if [ "$4" != "-" ]; then ino=${4%%:*}; off=${4#*:}; fi
  [ -e "$f" ] || return 0
  nino=$(stat -c %i "$f"); size=$(stat -c %s "$f")
  if [ -n "$ino" ] && [ "$ino" != "$nino" ]; then
    for o in "$f.1" "$f"-[0-9]*; do
      if [ -e "$o" ] && [ "$(stat -c %i "$o")" = "$ino" ]; then old=$o; break; fi
    done
    if [ -n "$old" ]; then
      emit "$1" "$2" "$old" "$ino" "$off"
      [ "$reached" -ge "$(stat -c %s "$old")" ] || return 0
    else
      echo "@@gap $1 $2 $ino $off"
    fi
    off=0
  elif [ "$size" -lt "$off" ]; then
    echo "@@gap $1 $2 $ino $off"; off=0
  elif [ -z "$ino" ] && [ "$size" -gt "$remaining" ]; then
    # A log seen for the first time starts with its newest lines that fit the budget, from a line start.
    off=$((size - remaining))
    off=$((off + $(tail -c +"$((off + 1))" "$f" | head -n 1 | wc -c)))
  fi
  emit "$1" "$2" "$f" "$nino" "$off"
}

# Certificates: openssl (about 50 ms a run) only for a file whose mtime differs from the one the last cycle read.
for v in ${vhosts[@]+"${vhosts[@]}"}; do
  IFS="$tab" read -r name cert alog acur elog ecur ccur <<<"$v"
  if [ "$cert" != "-" ]; then
    mtime=$(stat -c %Y "$cert/fullchain.pem" 2>/dev/null || echo 0)
    ph=$([ -e "$cert/placeholder" ] && echo 1 || echo 0)
    if [ "${ccur%%:*}" = "$mtime" ] && [ "$mtime" != 0 ]; then
      end=${ccur#*:}
    else
      end=$(openssl x509 -enddate -noout -in "$cert/fullchain.pem" 2>/dev/null | sed 's/^notAfter=//')
      [ -n "$end" ] && end=$(date -u -d "$end" +%s 2>/dev/null)
    fi
    echo "@@cert $name ${end:--} $ph $mtime"
  fi
done

# The journal of every hostenv unit (apps, builds, hooks, ACME), one JSON object per line, from the cursor on.
if [ "$remaining" -gt 0 ]; then
  if [ -n "$jcursor" ]; then from=(--after-cursor="$jcursor"); else from=(--since="@$since"); fi
  journalctl --no-pager -q -o json --output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT -u 'hostenv-*' "${from[@]}" 2>/dev/null \
    | head -c "$remaining" > "$tmp/journal"
  n=$(wc -l < "$tmp/journal")
  bytes=$(head -n "$n" "$tmp/journal" | wc -c)
  echo "@@journal $n"
  head -n "$n" "$tmp/journal"
  remaining=$((remaining - bytes))
fi

for v in ${vhosts[@]+"${vhosts[@]}"}; do
  IFS="$tab" read -r name cert alog acur elog ecur _ <<<"$v"
  follow access "$name" "$alog" "$acur"
  follow error "$name" "$elog" "$ecur"
done
echo "@@end"
