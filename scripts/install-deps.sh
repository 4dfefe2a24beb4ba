#!/usr/bin/env bash
# Installs the Debian 12 packages halo-mcp needs to build and test, skipping what is present.
set -euo pipefail

packages=(build-essential cmake pkg-config git curl ccache nlohmann-json3-dev libcpp-httplib-dev
  libssl-dev libspdlog-dev catch2 libcli11-dev libboost1.74-dev libhiredis-dev redis-server clang
  libclang-rt-14-dev json-schema-test-suite ca-certificates
  dpkg-dev file groff-base)  # the last three: the packaging tests (cpack DEB, man page)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm only drive the client tests; any Node >= 18 will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
