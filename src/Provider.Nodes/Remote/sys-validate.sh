#!/bin/sh
# nginx -t against generation dir $1 (placeholder certificates under $2 where none exist yet) before anything switches.
set -e
gen="$1"; certs="$2"
sed -n 's/^ *ssl_certificate \(.*\)\/fullchain.pem;$/\1/p' "$gen"/nginx/*.conf | sort -u | while read -r c; do
  if [ ! -f "$c/fullchain.pem" ]; then
    mkdir -p "$c"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=hostenv placeholder" \
      -keyout "$c/key.pem" -out "$c/fullchain.pem" >/dev/null 2>&1
    chmod 600 "$c/key.pem"; touch "$c/placeholder"
  fi
done
test -d "$certs" || mkdir -p "$certs"
cat > "$gen/nginx-test.conf" <<EOF
user www-data;
pid /run/hostenv-nginx-test.pid;
error_log stderr;
events {}
http {
    include /etc/nginx/mime.types;
    include $gen/nginx/*.conf;
}
EOF
nginx -t -q -c "$gen/nginx-test.conf"
