#!/bin/sh
# Stages a docker build context for images/redis: Dockerfile + rootfs/ with redis-server at
# /usr/local/bin (the official image's path, so the chart's command works with both) and every
# shared library `ldd` reports, at its real path. Usage: stage-redis.sh OUTDIR [REDIS_SERVER]
set -eu
out=$1; bin=${2:-/usr/bin/redis-server}
[ -x "$bin" ] || { echo "stage-redis: $bin not found (apt-get install redis-server)" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out/rootfs/usr/local/bin" "$out/rootfs/data"
cp "$(dirname "$0")/Dockerfile" "$out/"
cp "$bin" "$out/rootfs/usr/local/bin/redis-server"
for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
  mkdir -p "$out/rootfs$(dirname "$lib")"
  cp -L "$lib" "$out/rootfs$lib"
done
