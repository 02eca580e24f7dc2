#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests when /usr/bin/chromium is missing.
# The tests drive it with playwright-core and never download a browser of their own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  echo "provision-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") is already installed"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "provision-chromium: $CHROMIUM is missing, and installing it needs root (or sudo)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# A mirror can fail for a moment; try a few times before giving up.
for attempt in 1 2 3; do
  if "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq chromium; then
    break
  fi
  if [[ "$attempt" -eq 3 ]]; then
    echo "provision-chromium: installing the Debian package chromium failed" >&2
    exit 1
  fi
  sleep $((attempt * 5))
done

if [[ ! -x "$CHROMIUM" ]]; then
  echo "provision-chromium: the chromium package installed, but $CHROMIUM is not there" >&2
  exit 1
fi
echo "provision-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
