#!/bin/sh
# Re-takes the GPU tables of docs/batching.md ("Figures on the GPU") on a
# machine with an NVIDIA GPU, from a build of this tree (scripts/setup.sh),
# in about five minutes: BERT-base and ResNet-50 (random weights, f16), one
# CUDA artifact of batch sizes 1, 4, 8, 16 per model, the three batching
# modes at 1, 8, 16 and 32 closed-loop clients, 3 s a point; then BERT-base
# with requests of 16 to 128 tokens on lengths {32, 64, 128} against the
# artifact at 128 alone. Writes BUILD/serve-results-gpu{,-lengths}/results.{json,md,svg}.
#
#     bench/serve_gpu.sh [BUILD]        # BUILD defaults to ./build
set -e
BUILD=${1:-build}
HERE=$(dirname "$0")
PYTHON=${PYTHON:-$HERE/../.venv/bin/python}
"$PYTHON" "$HERE/serve.py" --build "$BUILD" --models bert_base,resnet50 \
  --device cuda --one-artifact --sizes 1,4,8,16 --clients 1,8,16,32 \
  --duration 3 --rtol 1e-2 --atol 1e-2 --opt-arg=--precision=fp16 \
  --out "$BUILD/serve-results-gpu"
"$PYTHON" "$HERE/serve.py" --build "$BUILD" --models bert_base \
  --device cuda --sizes 1,4,8,16 --clients 1,16 --duration 3 \
  --request-lengths 16-128 --seq-lengths 32,64,128 --rtol 1e-2 --atol 1e-2 \
  --opt-arg=--precision=fp16 --out "$BUILD/serve-results-gpu-lengths"
