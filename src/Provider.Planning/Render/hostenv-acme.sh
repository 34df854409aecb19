#!/bin/sh
# hostenv: obtain/renew certificates listed in acme.json with lego (HTTP-01 via the nginx webroot).
set -u
dir=/var/lib/hostenv/current/acme
[ -f "$dir/settings" ] || exit 0
val() { sed -n "s/^$1=//p" "$dir/settings"; }
server=$(val server); email=$(val email); root=$(val certRoot); webroot=$(val webroot)
[ "$(val acceptTerms)" = true ] || { echo "hostenv-acme: letsEncrypt.acceptTerms is not true; not requesting certificates" >&2; exit 1; }
mkdir -p /var/log/hostenv "$webroot" /var/lib/hostenv/acme/lego
state=/var/lib/hostenv/acme/lego
ca=""; [ -f /etc/hostenv/acme-ca.pem ] && ca=/etc/hostenv/acme-ca.pem
# One lego run per vhost (each its own certificate). Runs take seconds each, mostly waiting for the CA, so
# they go 4 at a time; the first goes alone so that only one run registers the ACME account.
one() {
  d=$1
  if [ -f "$state/certificates/$d.crt" ]; then action="renew --days 30"; else action=run; fi
  if LEGO_CA_CERTIFICATES="$ca" lego --server "$server" --accept-tos --email "$email" --path "$state" \
       -d "$d" --http --http.webroot "$webroot" $action >"/var/log/hostenv/acme-$d.log" 2>&1; then
    if [ -f "$state/certificates/$d.crt" ] && ! cmp -s "$state/certificates/$d.crt" "$root/$d/fullchain.pem"; then
      install -d -m 0755 "$root/$d"
      install -m 0644 "$state/certificates/$d.crt" "$root/$d/fullchain.pem.new" && mv "$root/$d/fullchain.pem.new" "$root/$d/fullchain.pem"
      install -m 0600 "$state/certificates/$d.key" "$root/$d/key.pem.new" && mv "$root/$d/key.pem.new" "$root/$d/key.pem"
      rm -f "$root/$d/placeholder"
      touch "$results/changed"
    fi
  else
    touch "$results/failed"; echo "hostenv-acme: $d failed, see /var/log/hostenv/acme-$d.log" >&2
  fi
}
results=$(mktemp -d); n=0
for d in $(cat "$dir/domains"); do
  if [ "$n" -eq 0 ]; then one "$d"; else one "$d" & fi
  n=$((n + 1)); [ $((n % 4)) -eq 1 ] && wait
done
wait
failed=0; [ -e "$results/failed" ] && failed=1
[ -e "$results/changed" ] && systemctl reload nginx
rm -rf "$results"
exit $failed
