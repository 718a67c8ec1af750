#!/bin/sh
# Install the Debian packages luaform needs to build and test, if missing.
# usage: install-deps.sh [fuzz]   (fuzz: also clang and libFuzzer, for
#                                  make fuzz; no test tools needed)
set -eu
pkgs="build-essential pkg-config liblua5.4-dev libjansson-dev libyaml-dev
libcurl4-openssl-dev libssl-dev libexpat1-dev ca-certificates python3"
if [ "${1:-}" = fuzz ]; then
    pkgs="$pkgs clang libclang-rt-dev"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
[ "${1:-}" = fuzz ] && exit 0
# Test tools that are not Debian packages here: they must be on PATH.
for t in moto_server cfn-lint aws; do
    command -v "$t" >/dev/null 2>&1 ||
        echo "warning: '$t' is not on PATH; the tests that need it will fail" >&2
done
# Test-only npm packages (the SARIF 2.1.0 schema and its validator),
# exactly as tests/package-lock.json pins them, when missing or stale.
if [ ! -f tests/node_modules/.package-lock.json ] ||
   [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "installing: tests/node_modules (npm ci)"
        npm ci --prefix tests --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
    else
        echo "warning: 'npm' is not on PATH; the SARIF schema test will fail" >&2
    fi
fi
exit 0
