#!/usr/bin/env bash
# Makes sure the Node base image the Dockerfiles build FROM exists. It is pulled when a registry answers; when none
# does (air-gapped machines, this project's CI), an equivalent image is made from this machine's own Node runtime:
# the node binary, the shared libraries it and the given native modules need, a non-root user (uid 1000), and /tmp.
# It is tagged with the same name, so the Dockerfiles build unchanged either way.
#
#   infra/docker/make-base-image.sh <image tag> [native module (.node) ...]
set -euo pipefail

tag="${1:?usage: make-base-image.sh <image tag> [native modules...]}"
shift

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image: $tag is present"
  exit 0
fi
if timeout "${DBFORGE_PULL_TIMEOUT:-60}" docker pull "$tag" >/dev/null 2>&1; then
  echo "base image: pulled $tag"
  exit 0
fi

echo "base image: no registry reachable; making $tag from this machine's Node $(node --version)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

node_bin="$(readlink -f "$(command -v node)")"
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
# Debug symbols are most of a distribution's node binary; the image does not need them.
if command -v strip >/dev/null 2>&1; then strip --strip-debug "$root/usr/local/bin/node"; fi

# Every shared library node and the native modules load, at the path the dynamic loader looks for it.
# (Files for other platforms, such as prebuilt binaries shipped for every OS, are not loadable here and are skipped.)
for elf in "$node_bin" "$@"; do
  { ldd "$elf" 2>/dev/null || true; } | awk '/=> \// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'
done | sort -u | while read -r lib; do
  # System libraries only: a module's own libraries (libduckdb.so) travel with the module.
  case "$lib" in /lib/* | /lib64/* | /usr/lib/* | /usr/lib64/*) ;; *) continue ;; esac
  [ -e "$lib" ] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

mkdir -p "$root/etc" "$root/tmp" "$root/home/node" "$root/usr/bin" "$root/bin"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000:node:/home/node:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chown 1000:1000 "$root/home/node"

tar -C "$root" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_VERSION='"$(node --version | tr -d v)" \
  --change 'LABEL dev.dbforge.local-base=true' \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "base image: made $tag ($(docker image inspect "$tag" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
