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

RESULTS="$BUILD_DIR/test/results.xml"
rm -f "$RESULTS"
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output="$RESULTS" "$@" "$BUILD_DIR/test"
lit_status=$?

# Summarize from lit's own result file: unsupported (skipped) tests are
# reported as skipped, never as passed.
.venv/bin/python scripts/summarize_lit.py "$RESULTS" || exit 1
exit $lit_status
