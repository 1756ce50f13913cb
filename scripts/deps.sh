#!/usr/bin/env bash
# Installs the Debian packages recur needs; idempotent and quiet when all are present.
set -euo pipefail
pkgs=(g++ cmake ninja-build ccache make pkg-config tzdata
      libsqlite3-dev libpq-dev libboost-dev libsimdjson-dev libfmt-dev libspdlog-dev
      libcli11-dev libyaml-cpp-dev libhowardhinnant-date-dev libsodium-dev
      libgtest-dev libgmock-dev libbenchmark-dev clang-format clang-tidy sqlite3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "recur: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
