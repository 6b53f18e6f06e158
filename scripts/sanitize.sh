#!/usr/bin/env bash
# Builds AutoGLM with AddressSanitizer + UBSan and assertions in build-asan/,
# runs the lit suite on it, and fuzzes the importer with mutated models.
#   scripts/sanitize.sh [FUZZ_COUNT]           whole suite, FUZZ_COUNT models (3000)
#   scripts/sanitize.sh --quick [FUZZ_COUNT]   the suite without its slow
#        folders (e2e, conformance, bench), FUZZ_COUNT models (200): for CI
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
if [[ ${1:-} == --quick ]]; then QUICK=1; shift; fi
if ((QUICK)); then COUNT=${1:-200}; else COUNT=${1:-3000}; fi
AUTOGLM_SKIP_EXAMPLE=1 scripts/setup.sh >/dev/null
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q libclang-rt-22-dev
fi
if [[ ! -f build-asan/build.ninja ]]; then
  cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DAUTOGLM_ENABLE_SANITIZERS=ON -DAUTOGLM_ENABLE_ASSERTIONS=ON \
    -DAUTOGLM_PYTHON="$ROOT/.venv/bin/python"
fi
# Debian's libMLIR/libLLVM are not instrumented, while LLVM's header-inline
# BumpPtrAllocator code compiled into our objects poisons its slabs
# (LLVM_ADDRESS_SANITIZER_BUILD follows the including file): the library then
# touches "poisoned" memory legitimately. allow_user_poisoning=0 ignores those
# manual annotations and keeps every real check. Leaks at exit inside the
# uninstrumented libraries are not ours to chase.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ((QUICK)); then
  AUTOGLM_BUILD_DIR=$ROOT/build-asan scripts/test.sh \
    --filter-out '^AutoGLM :: (e2e|conformance|bench)/'
else
  AUTOGLM_BUILD_DIR=$ROOT/build-asan scripts/test.sh
fi
.venv/bin/python scripts/fuzz_importer.py --autoglm-opt build-asan/bin/autoglm-opt \
  --data-dir build-asan/onnx-node-tests --count "$COUNT" --seed 1 --crash-dir build-asan/fuzz-crashes
