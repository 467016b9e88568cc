#!/bin/sh
# Fill the template in (only the FUSEN_ variables: nginx's own $host etc. stay), then run nginx.
set -eu
here=$(dirname "$0")
envsubst '${FUSEN_HTTP_PORT} ${FUSEN_HTTPS_PORT} ${FUSEN_TLS_DIR} ${FUSEN_UPSTREAM_SERVERS}' \
  < "$here/fusen.conf.template" > "$here/fusen.conf"
exec nginx -p "$here" -c "$here/nginx.conf" -g 'daemon off;'
