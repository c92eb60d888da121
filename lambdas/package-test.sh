#!/usr/bin/env bash
# make package-test: the API function and a queue consumer started from their arm64 packages (LAMBDA_PACKAGE_DIR, as
# `make package` wrote them) under qemu user-mode emulation, against the Runtime API stand-in and moto server
# (tests/aws/lambda_binaries.rs, the tests named arm64_package_*).
#
# Installs Debian's qemu-user and the arm64 C library (libc6-arm64-cross, libgcc-s1-arm64-cross, under
# /usr/aarch64-linux-gnu) when they are missing and this runs as root with apt-get; otherwise says what to install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
PREFIX="${QEMU_LD_PREFIX:-/usr/aarch64-linux-gnu}"
PACKAGES=(qemu-user libc6-arm64-cross libgcc-s1-arm64-cross)

fail() {
  echo "make package-test: $*" >&2
  exit 1
}

[[ -n "${LAMBDA_PACKAGE_DIR:-}" ]] || fail "LAMBDA_PACKAGE_DIR is not set (run it through make: make package-test)"

if ! command -v qemu-aarch64 >/dev/null || [[ ! -e "$PREFIX/lib/ld-linux-aarch64.so.1" ]] ||
   [[ ! -e "$PREFIX/lib/libgcc_s.so.1" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "==> apt-get install ${PACKAGES[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null ||
      fail "apt-get could not install ${PACKAGES[*]}"
  else
    fail "qemu-aarch64 or the arm64 C library in $PREFIX is missing: install ${PACKAGES[*]} (Debian), or set QEMU_LD_PREFIX to an arm64 sysroot"
  fi
fi

echo "==> the arm64 packages in $LAMBDA_PACKAGE_DIR under $(qemu-aarch64 --version | head -n 1)"
# The same features as `make cargo-test`, so that nothing is rebuilt; only loyalty-lambdas has tests of that name.
export LAMBDA_PACKAGE_DIR QEMU_LD_PREFIX="$PREFIX"
"$CARGO" test --workspace --all-features --locked --test aws -- --ignored arm64_package
