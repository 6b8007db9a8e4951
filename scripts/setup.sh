#!/usr/bin/env bash
# Installs every Debian package Locus needs to build and test. Safe to run again.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config git
      libgtest-dev libgmock-dev libbenchmark-dev
      libpcre2-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
      libcpp-httplib-dev libopenblas-dev coinor-libcbc-dev
      chromium)  # chromium: headless test of the server's chat page
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
