#!/usr/bin/env bash
# Runs the whole AutoGLM test suite (lit + FileCheck) and ends with the line
# `N passed, N failed`. Builds first if needed (scripts/setup.sh installs the
# dependencies). Extra arguments go to lit, e.g. `scripts/test.sh -v`.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${AUTOGLM_BUILD_DIR:-$ROOT/build}

if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  AUTOGLM_SKIP_EXAMPLE=1 scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$BUILD_DIR" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# lit: $LIT if set, else the build's LLVM_LIT (CMake takes it from the LLVM
# installation), else the one in `llvm-config --bindir`, else lit on PATH.
find_lit() {
  local cand dir exe
  if [[ -n ${LIT:-} ]]; then echo "$LIT"; return; fi
  cand=$(sed -n 's/^LLVM_LIT:FILEPATH=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
  if [[ -n $cand && -x $cand ]]; then echo "$cand"; return; fi
  for cand in llvm-config-22 llvm-config; do
    dir=$(command -v "$cand" >/dev/null && "$cand" --bindir 2>/dev/null) || continue
    for exe in "$dir/lit" "$dir/llvm-lit"; do
      if [[ -x $exe ]]; then echo "$exe"; return; fi
    done
  done
  command -v lit || command -v llvm-lit || return 1
}
LIT=$(find_lit) || {
  echo "error: lit not found: set LIT=/path/to/lit, or install llvm-22-tools" \
    "(it provides /usr/lib/llvm-22/bin/lit)" >&2
  echo "0 passed, 1 failed"; exit 1
}

RESULTS="$BUILD_DIR/test/results.xml"
rm -f "$RESULTS"
"$LIT" -sv --xunit-xml-output="$RESULTS" "$@" "$BUILD_DIR/test"
lit_status=$?

# Summarize from lit's own result file: unsupported (skipped) tests are
# reported as skipped, never as passed.
.venv/bin/python scripts/summarize_lit.py "$RESULTS" || exit 1
exit $lit_status
