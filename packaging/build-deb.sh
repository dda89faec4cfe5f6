#!/usr/bin/env bash
# Builds otter_<version>_<arch>.deb from a Release build: the stripped binary, the built-in
# default config (the store under /var/lib/otter) as /etc/otter/config.yaml, and a systemd unit.
# Usage: packaging/build-deb.sh [build dir] [output dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
BUILD=${1:-build}
OUT=${2:-$BUILD}
version=$(sed -n 's/.*kVersion[^"]*"\([^"]*\)".*/\1/p' "$src/src/common/version.h" | head -1)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -d "$root/DEBIAN" "$root/usr/bin" "$root/etc/otter" "$root/lib/systemd/system" \
  "$root/usr/share/doc/otter"
strip -o "$root/usr/bin/otter" "$BUILD/otter"
# The config otter runs without --config (pipeline/service_config.cc), with the store in the
# package's data directory.
sed -n '/^const char\* DefaultConfigYaml() {/,/^)";/p' "$src/src/pipeline/service_config.cc" |
  sed -e '1d' -e '$d' -e 's/^  return R"(//' -e 's|directory: ./otter-data|directory: /var/lib/otter/data|' \
  >"$root/etc/otter/config.yaml"
grep -q 'directory: /var/lib/otter/data' "$root/etc/otter/config.yaml"
install -m 0644 "$here/otter.service" "$root/lib/systemd/system/otter.service"
install -m 0644 "$src/README.md" "$root/usr/share/doc/otter/README.md"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
echo /etc/otter/config.yaml >"$root/DEBIAN/conffiles"
# Shared libraries the binary links, as Debian packages (with usrmerge dpkg knows some by their
# /lib path).
depends=$(for lib in $(ldd "$BUILD/otter" | awk '/=> \// {print $3}'); do
  real=$(readlink -f "$lib")
  dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "$lib" 2>/dev/null ||
    dpkg -S "${lib#/usr}" 2>/dev/null || echo "cannot find the package of $lib" >&2
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
cat >"$root/DEBIAN/control" <<CONTROL
Package: otter
Version: $version
Architecture: $arch
Maintainer: otter developers <otter@localhost>
Depends: adduser, $depends
Section: net
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Description: OpenTelemetry collector with an embedded store
 One binary: OTLP and other receivers, processors and exporters with the
 OpenTelemetry Collector's configuration, an embedded trace/metric/log store,
 and Jaeger, Prometheus and Loki compatible query APIs.
CONTROL
deb="$OUT/otter_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
