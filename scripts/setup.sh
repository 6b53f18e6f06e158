#!/usr/bin/env bash
# Installs every dependency AutoGLM needs on Debian 12, builds it, compiles
# the bundled example ONNX model and runs it.
#
#   scripts/setup.sh            install, build, run the example
#   AUTOGLM_SKIP_EXAMPLE=1 ...  install and build only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${AUTOGLM_BUILD_DIR:-$ROOT/build}

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 clang-format-22
  libonnx-dev libprotobuf-dev protobuf-compiler
  cmake ninja-build ccache g++ python3 python3-venv
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "== creating the Python virtual environment in .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  echo "== installing Python packages (tests and benchmarks only)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi

echo "== configuring and building in $BUILD_DIR"
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DAUTOGLM_PYTHON="$ROOT/.venv/bin/python"
fi
ninja -C "$BUILD_DIR"

if [[ -z ${AUTOGLM_SKIP_EXAMPLE:-} ]]; then
  # The bundled example: a small CNN in ONNX text form, compiled to a shared
  # library and run on random input, printing its outputs and time per run.
  mkdir -p "$BUILD_DIR/examples"
  echo "== autoglm-opt examples/tiny_cnn.onnxtxt --input-shape=image:1x3x32x32 --emit=so -o $BUILD_DIR/examples/tiny_cnn.so"
  "$BUILD_DIR/bin/autoglm-opt" examples/tiny_cnn.onnxtxt --input-shape=image:1x3x32x32 \
    --emit=so -o "$BUILD_DIR/examples/tiny_cnn.so"
  echo "== autoglm-run $BUILD_DIR/examples/tiny_cnn.so --seed 1 --time 100"
  "$BUILD_DIR/bin/autoglm-run" "$BUILD_DIR/examples/tiny_cnn.so" --seed 1 --time 100
fi
