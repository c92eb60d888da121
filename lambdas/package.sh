#!/usr/bin/env bash
# make package: the nine functions as Lambda packages for provided.al2023 on arm64, one
# <LAMBDA_PACKAGE_DIR>/<binary>/bootstrap.zip each (cargo lambda, cross-linking with zig), then checked (one arm64
# bootstrap per zip, within Lambda's size limits) with the size of each printed.
#
# Installs what it needs: cargo-lambda and ziglang (requirements-package.txt) into .venv, and the Rust standard
# library for aarch64-unknown-linux-gnu through rustup. Environment: LAMBDA_PACKAGE_DIR (default:
# <cargo target directory>/lambda), CARGO_TARGET_DIR, CARGO (default cargo), PYTHON (default python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
TARGET=aarch64-unknown-linux-gnu
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${LAMBDA_PACKAGE_DIR:-$TARGET_DIR/lambda}"
START=$EPOCHREALTIME

fail() {
  echo "make package: $*" >&2
  exit 1
}

elapsed() {
  awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f s", b - a }'
}

# 1. cargo-lambda and zig, pinned, in the project's virtual environment.
if [[ ! -f "$VENV/.package-installed" || requirements-package.txt -nt "$VENV/.package-installed" ]]; then
  echo "==> installing cargo-lambda and ziglang (requirements-package.txt) into .venv"
  [[ -x "$VENV/bin/pip" ]] || "$PYTHON" -m venv "$VENV" || fail "cannot create the virtual environment $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-package.txt ||
    fail "cannot install requirements-package.txt (cargo-lambda, ziglang) from PyPI"
  touch "$VENV/.package-installed"
fi
# cargo finds the `lambda` subcommand on PATH; cargo-lambda finds zig as `python3 -m ziglang` of this environment.
export PATH="$VENV/bin:$PATH"

# 2. The aarch64 standard library of the pinned toolchain (rust-toolchain.toml).
sysroot="$(rustc --print sysroot)"
if [[ ! -d "$sysroot/lib/rustlib/$TARGET/lib" ]]; then
  echo "==> rustup target add $TARGET"
  command -v rustup >/dev/null ||
    fail "the Rust standard library for $TARGET is not installed in $sysroot and there is no rustup to add it"
  rustup target add "$TARGET" ||
    fail "\`rustup target add $TARGET\` failed: the standard library for arm64 Lambda cannot be had, so no package can be built"
fi

# 3. Build: the `lambda-release` profile (release code, no line tables, stripped); cargo lambda's own optimisation settings
#    are turned off so that the profile in Cargo.toml is what builds.
echo "==> cargo lambda build: nine functions for $TARGET into $OUT"
"$CARGO" lambda build --locked --profile lambda-release --target "$TARGET" --disable-optimizations \
  --output-format zip --lambda-dir "$OUT" -p loyalty-lambdas --bins ||
  fail "cargo lambda build failed (see above)"

# 4. Check every zip and print their sizes.
"$PYTHON" infra/check.py packages --dir "$OUT" || fail "the packages in $OUT are not what Lambda runs (see above)"
echo "make package: done in $(elapsed)"
