#!/bin/bash
# Device call 1: elementwise coarsening on ResNet-50 and BERT-base (f16), against torch reduce-overhead.
source devtmp/env.sh > $OUT/env.txt 2>&1
set +u
R=$PWD
T0=$(date +%s)
el() { echo "[$(( $(date +%s) - T0 )) s] $*" >> $OUT/progress.txt; }
el start
# PTX of the small test model: 16-byte accesses?
autoglm-opt test/Target/CUDA/Inputs/bias_relu.onnxtxt --target=cuda --emit=ptx -o $OUT/bias_relu.ptx > $OUT/ptx.txt 2>&1
el ptx
timeout 300 python3 bench/run.py --build $B --device=cuda --check --torch-peer reduce-overhead \
  --opt-arg=--precision=fp16 --models resnet50 --batch 32 --budget 8 --threads 16 \
  --work /tmp/w --results $OUT/resnet > $OUT/resnet.txt 2>&1
el resnet rc=$?
timeout 200 python3 bench/run.py --build $B --device=cuda --check --torch-peer reduce-overhead \
  --opt-arg=--precision=fp16 --models bert_base --batch 8 --budget 8 --threads 16 \
  --work /tmp/w --results $OUT/bert > $OUT/bert.txt 2>&1
el bert rc=$?
# Residual epilogue: which outputs are wrong, and is it a memory error?
timeout 150 python3 bench/run.py --build $B --device=cuda --check \
  --opt-arg=--precision=fp16 --opt-arg=--cuda-conv-epilogues --opt-arg=--cuda-conv-epilogue-residuals \
  --models resnet50 --batch 32 --budget 3 --threads 16 \
  --work /tmp/w2 --results $OUT/residual > $OUT/residual.txt 2>&1
el residual rc=$?
ls -la /tmp/w2/resnet50 > $OUT/w2.txt 2>&1
SO=$(ls /tmp/w2/resnet50/*32*.so 2>/dev/null | head -1)
echo "so=$SO" >> $OUT/w2.txt
if [ -n "$SO" ]; then
  PLAIN=$(ls /tmp/w/resnet50/*32*.so 2>/dev/null | head -1)
  timeout 60 autoglm-run $PLAIN --seed 1 --output-dir /tmp/r0 --repeat 1 > $OUT/run0.txt 2>&1
  timeout 60 autoglm-run $SO --seed 1 --output-dir /tmp/r1 --repeat 1 > $OUT/run1.txt 2>&1
  timeout 60 autoglm-run $SO --seed 1 --output-dir /tmp/r2 --repeat 3 > $OUT/run2.txt 2>&1
  CUDA_LAUNCH_BLOCKING=1 timeout 60 autoglm-run $SO --seed 1 --output-dir /tmp/r3 --repeat 1 > $OUT/run3.txt 2>&1
  python3 - > $OUT/cmp.txt 2>&1 <<'PY'
import numpy as np
a=[np.load(f"/tmp/r{i}/output_0.npy").astype(np.float64) for i in (0,1,2,3)]
for i,j in ((0,1),(0,2),(0,3),(1,2)):
    d=np.abs(a[i]-a[j]).reshape(a[i].shape[0],-1).max(1)
    print(i,j,"max diff per image", np.round(d,4).tolist())
PY
  el runs
  timeout 150 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --print-limit 8 autoglm-run $SO --seed 1 --repeat 1 > $OUT/memcheck.txt 2>&1
  el memcheck rc=$?
fi
