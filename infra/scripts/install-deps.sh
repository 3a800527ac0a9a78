#!/usr/bin/env bash
# Installs the Debian packages Switchboard needs that are not installed yet (as root, or via sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang-format clang-tidy
  librdkafka-dev libpistache-dev librocksdb-dev libpq-dev nlohmann-json3-dev prometheus-cpp-dev
  libgtest-dev libhowardhinnant-date-dev libsodium-dev libcurl4-openssl-dev tzdata
  postgresql-15 postgresql-client-15
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package starts a system cluster; Switchboard never uses it.
