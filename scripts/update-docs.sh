#!/usr/bin/env bash
# Regenerates docs/ops.md (the dialect reference) from the ODS definitions.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${AUTOGLM_BUILD_DIR:-$PWD/build}
ninja -C "$BUILD_DIR" autoglm-docs
cp "$BUILD_DIR/dialects/AutoGLM/AutoGLMOps.md" docs/ops.md
echo "updated docs/ops.md"
