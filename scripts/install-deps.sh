#!/usr/bin/env bash
# Installs otter's build and test dependencies from Debian (idempotent: installs only what is missing).
set -euo pipefail
PKGS=(build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost1.81-dev libyaml-cpp-dev libsimdjson-dev libssl-dev zlib1g-dev libzstd-dev
  libsnappy-dev liblz4-dev libre2-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang clang-format libclang-rt-14-dev lld
  librdkafka-dev kcat prometheus-node-exporter prometheus-alertmanager
  curl openssl prometheus nodejs npm chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian on some machines; only install them if absent. Debian 12's
# nodejs is 18, older than the interop suite's 20.6: configuring the build then installs node 20
# from the npm registry into the build tree with this npm (scripts/ensure-node.sh).
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if command -v node >/dev/null; then
  v="$(node --version)"; v="${v#v}"; major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  if ((major < 20 || (major == 20 && minor < 6))); then
    echo "note: node $v is older than 20.6; cmake will install node 20 from npm into the build" \
      "tree for the interop tests (scripts/ensure-node.sh)"
  fi
fi
