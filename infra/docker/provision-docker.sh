#!/usr/bin/env bash
# Makes a Docker engine available on a Debian machine (CI, a fresh development box): installs Debian's docker.io and
# docker-compose when missing, starts dockerd in the background when no daemon answers, and waits for it.
# Idempotent: on a machine whose engine already answers it only checks.
set -euo pipefail

# docker-compose (Debian's 1.29) runs the compose stack in the tests; `docker compose` v2 is not packaged here.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  echo "docker: installing Debian's ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "docker: engine already running"
  exit 0
fi

if [ ! -S /var/run/docker.sock ] || ! docker info >/dev/null 2>&1; then
  echo "docker: starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker: engine ready ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
echo "docker: the engine did not come up; see /var/log/dockerd.log" >&2
tail -20 /var/log/dockerd.log >&2 || true
exit 1
