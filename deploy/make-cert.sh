#!/bin/sh
# A self-signed certificate for the proxy, in deploy/tls/. Browsers warn once per device;
# for a public host use a certificate from your CA (or Let's Encrypt) with the same file names.
#   deploy/make-cert.sh fusen.example.lg.jp 192.168.10.20
set -eu
dir=${TLS_DIR:-"$(dirname "$0")/tls"}
name=${1:-localhost}
shift 2>/dev/null || true
alt="DNS:$name,DNS:localhost,IP:127.0.0.1"
for ip in "$@"; do alt="$alt,IP:$ip"; done
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" \
  -subj "/CN=$name" -addext "subjectAltName=$alt"
chmod 600 "$dir/key.pem"
echo "Wrote $dir/cert.pem and $dir/key.pem for $alt"
