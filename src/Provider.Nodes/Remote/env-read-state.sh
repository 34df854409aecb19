#!/bin/sh
# What deploy decides from: $1 env state dir, $2 user, $3 secrets dir, $4 home, $5 read-only (yes/no), $6 the upstream
# link, $7-$8 the sockets of slots a and b, $9 a sed program printing secret names, ${10}-${11} the units of slots a
# and b (active_a/active_b: running now), ${12} yes when the release has no age ciphertext (its decrypted file goes).
# Extras: hashes of the node-side inputs of a release (operator overrides, secrets), so changing them redeploys.
# Unless read-only (a dry run), the env state dir is created and the secrets file's owner and mode are made right.
# Every converged deploy runs this once per environment: a process costs ~1.5 ms on a node and systemctl ~10, so what
# the shell can answer itself (a missing file, the newest release) it does without one.
export LC_ALL=C
dir="$1"; user="$2"; ro="$5"; secrets="$3/$user.env"; age="$3/$user.age.env"; override="$HOSTENV_OVERRIDES/$user"
[ "$ro" = yes ] || install -d -m 0700 "${dir%/*}" "$dir"
if [ "$ro" != yes ] && [ "${12:-no}" = yes ] && { [ -e "$age" ] || [ -L "$age" ]; }; then rm -f "$age"; fi
[ ! -f "$dir/state" ] || cat "$dir/state"
o=
[ ! -d "$override" ] || o=$(cd "$override" 2>/dev/null && find . -type f | sort | xargs -r sha256sum | sha256sum | cut -c1-64)
[ "$ro" != yes ] && [ -f "$secrets" ] && chown "$user:$user" "$secrets" && chmod 0600 "$secrets"
s=
if [ -f "$secrets" ]; then s=$(sha256sum < "$secrets" 2>/dev/null); s=${s%% *}; fi
echo "extras=overrides:$o secrets:$s"
# Not part of the fingerprint (extras is): which override file changed, for the dry run's reason.
c=
if [ -f "$override/compose.override.yaml" ]; then c=$(sha256sum < "$override/compose.override.yaml" 2>/dev/null); c=${c%% *}; fi
echo "composeoverride=$c"
names=
if [ -f "$secrets" ] || [ -f "$age" ]; then names=$(cat "$secrets" "$age" 2>/dev/null | sed -n "$9" | tr '\n' ' '); fi
echo "secretnames=$names"
# The newest release by name (byte order), a partial one under its final name; dot entries are not releases.
newest=
for r in "$4"/releases/*; do
  [ -e "$r" ] || [ -L "$r" ] || continue
  n=${r##*/}; n=${n%.partial}
  # shellcheck disable=SC3012 # dash's and bash's test compare bytes (strcmp), as `LC_ALL=C sort` did here before
  if [ -z "$newest" ] || [ "$n" \> "$newest" ]; then newest=$n; fi
done
echo "newest=$newest"
read -r b f < "$dir/built" 2>/dev/null && [ -d "$4/releases/$b" ] && echo "built=$b $f"
case "$(readlink "$6" 2>/dev/null)" in "$7") echo "live=a" ;; "$8") echo "live=b" ;; esac
if [ -n "${10:-}" ]; then
  # One systemctl for both slots: a line each, in the order asked.
  states=$(systemctl is-active "${10}" "${11}" 2>/dev/null)
  case "${states%%"
"*}" in active|reloading|refreshing) echo "active_a=yes" ;; esac
  case "${states#*"
"}" in active|reloading|refreshing) echo "active_b=yes" ;; esac
fi
true
