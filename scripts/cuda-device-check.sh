#!/usr/bin/env bash
# The CUDA backend's checks that need an NVIDIA GPU, run on the GPU machine
# from the relocatable package (scripts/package.sh; docs/install.md), which
# needs no LLVM there. From the repository root:
#
#   scripts/cuda-device-check.sh PACKAGE.tar.xz [RESULTS_DIR]
#
# 1. The ONNX backend node tests compiled with --target=cuda and run on the
#    GPU (scripts/backend_conformance.py), held to the CPU's per-operator
#    floors (test/conformance/backend-floors.json).
# 2. Whole models compiled for the GPU and compared with ONNX Runtime on the
#    CPU (bench/run.py --device=cuda --check); AUTOGLM_CUDA_MODELS names
#    them (default: the tiny ones, ResNet-50, MobileNetV2, BERT-base and the
#    GPT-2 step; "none" skips this step).
# The machine needs the CUDA driver and toolkit (ptxas, fatbinary), a C
# compiler, and Python with numpy, onnx and onnxruntime. Exits non-zero when
# a step fails; the last lines summarize.
set -uo pipefail
cd "$(dirname "$0")/.."
PACKAGE=${1:?usage: scripts/cuda-device-check.sh PACKAGE.tar.xz [RESULTS_DIR]}
RESULTS=${2:-/tmp/autoglm-cuda-check}
MODELS=${AUTOGLM_CUDA_MODELS:-tiny_cnn,tiny_bert,tiny_gpt2,resnet50,mobilenetv2,bert_base,gpt2_step}
PYTHON=${PYTHON:-python3}
export PYTHONUNBUFFERED=1

mkdir -p "$RESULTS" /tmp/autoglm-package
tar -xJf "$PACKAGE" -C /tmp/autoglm-package || exit 1
ROOT=$(ls -d /tmp/autoglm-package/autoglm-*/ | head -1)
export PATH=$ROOT/bin:$PATH
nvidia-smi -L || { echo "no NVIDIA GPU here"; exit 3; }

status=0
echo "== ONNX backend node tests on the GPU"
"$PYTHON" scripts/backend_conformance.py --bin-dir "$ROOT/bin" --target cuda \
  --data-dir /tmp/autoglm-node-tests --floors test/conformance/backend-floors.json \
  --markdown "$RESULTS/backend-conformance-cuda.md" \
  --write-floors "$RESULTS/backend-floors-cuda.json" --verbose \
  2>&1 | tee "$RESULTS/backend-conformance-cuda.log" | tail -40
[[ ${PIPESTATUS[0]} == 0 ]] || status=1

[[ $MODELS == none ]] && exit $status
echo "== Whole models on the GPU against ONNX Runtime on the CPU"
"$PYTHON" bench/run.py --device=cuda --build "$ROOT" --models "$MODELS" --quick \
  --check --batch1-only --work /tmp/autoglm-models --results "$RESULTS/models" \
  2>&1 | tee "$RESULTS/models.log" | tail -20
[[ ${PIPESTATUS[0]} == 0 ]] || status=1
cat "$RESULTS/models/results.md" 2>/dev/null
exit $status
