#!/bin/sh
# Takes the GPU figures of docs/batching.md ("Figures on the GPU") on a
# machine with an NVIDIA GPU, from a build of this tree (scripts/setup.sh).
# Two parts, each runnable alone (PARTS) so that one fits a short device
# call:
#  models   BERT-base and ResNet-50 (random weights, f16; MODELS picks
#           which: MODELS=resnet50 is the ResNet-50 half alone, and
#           MODELS=minilm,bert_base,resnet50 adds MiniLM, whose package
#           bench/requirements.txt installs), one CUDA artifact of batch
#           sizes 1, 4, 8, 16 per model: the three batching modes at 1, 8,
#           16 and 32 closed-loop clients and at 500 and 2500 Poisson
#           requests a second, DURATION seconds a point (18 points a model,
#           each about DURATION + 1.5 s with its warm-up and creation);
#  lengths  BERT-base with requests of 16 to 128 tokens on lengths
#           {32, 64, 128} against the artifact at 128 alone, both of batch
#           sizes LENGTH_SIZES (1, 16 by default: 6 and 2 entries, compiled
#           at once, about 2 minutes on the H200 host at BERT-base's 18 s an
#           entry), at 1 and 16 clients, none and adaptive (8 points), and
#           both artifacts' bytes (the lengths share their weights).
# The results go to $OUT/serve-gpu/ and $OUT/serve-gpu-lengths/
# (results.{json,md,svg}; OUT defaults to BUILD), the compiled models to
# BUILD/serve-gpu-work/, where a later call finds them (it compiles only
# what is missing). Each part prints how long it took.
#
#     bench/serve_gpu.sh [BUILD]                          # both parts
#     PARTS=models MODELS=resnet50 bench/serve_gpu.sh     # the ResNet-50 half
#     PARTS=lengths bench/serve_gpu.sh                    # the mixed lengths
#
# BUILD defaults to ./build; DURATION to 1.5; LENGTH_SIZES to 1,16.
set -e
BUILD=${1:-build}
OUT=${OUT:-$BUILD}
HERE=$(dirname "$0")
PYTHON=${PYTHON:-$HERE/../.venv/bin/python}
MODELS=${MODELS:-bert_base,resnet50}
PARTS=${PARTS:-models,lengths}
DURATION=${DURATION:-1.5}
LENGTH_SIZES=${LENGTH_SIZES:-1,16}
COMMON="--build $BUILD --device cuda --duration $DURATION --rtol 1e-2 --atol 1e-2 --opt-arg=--precision=fp16 --work $BUILD/serve-gpu-work"
for part in $(echo "$PARTS" | tr ',' ' '); do
  start=$(date +%s)
  case $part in
  models)
    "$PYTHON" "$HERE/serve.py" $COMMON --models "$MODELS" --one-artifact \
      --sizes 1,4,8,16 --clients 1,8,16,32 --rates 500,2500 --out "$OUT/serve-gpu" ;;
  lengths)
    "$PYTHON" "$HERE/serve.py" $COMMON --models bert_base --clients 1,16 \
      --sizes "$LENGTH_SIZES" --compile-jobs 2 --request-lengths 16-128 --seq-lengths 32,64,128 --out "$OUT/serve-gpu-lengths" ;;
  *)
    echo "serve_gpu.sh: unknown part '$part' in PARTS (models, lengths)" >&2
    exit 2 ;;
  esac
  echo "serve_gpu.sh: part '$part' took $(($(date +%s) - start)) s"
done
