#!/usr/bin/env bash
# Builds the relocatable AutoGLM (AUTOGLM_RELOCATABLE=ON: LLVM and MLIR
# linked statically) and packs it into one tarball that runs on a machine
# without LLVM, MLIR or Debian's packages (docs/install.md):
#
#   autoglm-<version>-linux-x86_64/
#     bin/autoglm-opt bin/autoglm-run       stripped, RPATH $ORIGIN/../lib
#     lib/libautoglm_runtime.{a,so}         the runtime
#     lib/lib*.so.*                         the shared libraries that the
#                                           programs still need, except glibc
#     lib/cmake/AutoGLM/                    find_package(AutoGLM CONFIG)
#     include/autoglm/                      the runtime's headers
#
#   scripts/package.sh [OUTPUT_DIR]   (default: the build directory)
#   AUTOGLM_PACKAGE_BUILD_DIR=...     build directory (default: build-reloc)
#
# Prints the tarball's path last. scripts/check-package.sh tests it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${AUTOGLM_PACKAGE_BUILD_DIR:-$ROOT/build-reloc}
OUT_DIR=${1:-$BUILD_DIR}

if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DAUTOGLM_RELOCATABLE=ON \
    -DAUTOGLM_PYTHON="$ROOT/.venv/bin/python"
fi
if ! grep -q '^AUTOGLM_RELOCATABLE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "error: $BUILD_DIR is not configured with -DAUTOGLM_RELOCATABLE=ON" >&2
  exit 1
fi
# Only what the package holds: the test programs would each be another
# static link of LLVM.
ninja -C "$BUILD_DIR" autoglm-opt autoglm-run autoglm_runtime autoglm_runtime_shared

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD_DIR/CMakeCache.txt")
name=autoglm-${version:-0}-linux-$(uname -m)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=$stage/$name

cmake --install "$BUILD_DIR" --prefix "$prefix" --strip >/dev/null

# The shared libraries that the programs load, except glibc's (the target
# machine has its own glibc, at least the version this was built with) and
# the package's own: copied into lib/ under their soname. ldd lists the
# whole closure, so the copies' own dependencies are included.
glibc_re='^(linux-vdso\.so|ld-linux[-a-z0-9_]*\.so|lib(c|m|dl|rt|pthread|util|resolv)\.so)'
for program in "$prefix"/bin/*; do
  ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }'
done | sort -u | while read -r soname path; do
  [[ $soname =~ $glibc_re ]] && continue
  [[ -e $prefix/lib/$soname ]] && continue
  case $path in "$prefix"/*) continue ;; esac
  cp -L "$path" "$prefix/lib/$soname"
  chmod 644 "$prefix/lib/$soname"
done

mkdir -p "$OUT_DIR"
tarball=$(cd "$OUT_DIR" && pwd)/$name.tar.xz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - "$name" |
  xz -T2 -6 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
