#!/bin/sh
# What deploy decides from: $1 env state dir, $2 user, $3 secrets dir, $4 home, $5 read-only (yes/no), $6 the upstream
# link, $7-$8 the sockets of slots a and b, $9 a sed program printing secret names, ${10}-${11} the units of slots a
# and b (active_a/active_b: running now), ${12} yes when the release has no age ciphertext (its decrypted file goes).
# Extras: hashes of the node-side inputs of a release (operator overrides, secrets), so changing them redeploys.
# Unless read-only (a dry run), the env state dir is created and the secrets file's owner and mode are made right.
dir="$1"; user="$2"; ro="$5"
[ "$ro" = yes ] || install -d -m 0700 "${dir%/*}" "$dir"
[ "$ro" = yes ] || [ "${12:-no}" != yes ] || rm -f "$3/$user.age.env"
cat "$dir/state" 2>/dev/null
o=$(cd "$HOSTENV_OVERRIDES/$user" 2>/dev/null && find . -type f | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -c1-64)
[ "$ro" != yes ] && [ -f "$3/$user.env" ] && chown "$user:$user" "$3/$user.env" && chmod 0600 "$3/$user.env"
s=$(sha256sum "$3/$user.env" 2>/dev/null | cut -c1-64)
echo "extras=overrides:$o secrets:$s"
# Not part of the fingerprint (extras is): which override file changed, for the dry run's reason.
echo "composeoverride=$(sha256sum "$HOSTENV_OVERRIDES/$user/compose.override.yaml" 2>/dev/null | cut -c1-64)"
echo "secretnames=$(cat "$3/$user.env" "$3/$user.age.env" 2>/dev/null | sed -n "$9" | tr '\n' ' ')"
echo "newest=$(find "$4/releases" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' 2>/dev/null | sed 's/\.partial$//' | LC_ALL=C sort | tail -n 1)"
read -r b f < "$dir/built" 2>/dev/null && [ -d "$4/releases/$b" ] && echo "built=$b $f"
case "$(readlink "$6" 2>/dev/null)" in "$7") echo "live=a" ;; "$8") echo "live=b" ;; esac
if [ -n "${10:-}" ]; then
  systemctl is-active --quiet "${10}" && echo "active_a=yes"
  systemctl is-active --quiet "${11}" && echo "active_b=yes"
fi
true
