#!/usr/bin/env bash
# Makes a Docker engine available on a Debian machine (CI, a fresh development box): installs Debian's docker.io
# when the docker client or daemon is missing, starts dockerd in the background when no daemon answers, and waits for
# it. Idempotent; does nothing on a machine whose engine already answers.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "docker: engine already running"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
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
