#!/usr/bin/env bash
# Checks a tarball made by scripts/package.sh, the way a machine without
# LLVM would use it (docs/install.md):
#   1. every program and library in it loads only libraries of the package
#      and glibc's (ldd; an allow-list), none of LLVM/MLIR, none missing;
#   2. from the extracted tarball in a temporary directory, with a scrubbed
#      environment (env -i PATH=/usr/bin:/bin), autoglm-opt compiles
#      examples/tiny_cnn.onnxtxt to a shared library and autoglm-run runs it;
#      compiled to a static library and a header, the model runs in a C
#      program linked with the packaged runtime (static, then shared); and
#      examples/cmake-consumer builds against the extracted tree as its
#      CMake prefix (find_package(AutoGLM), autoglm_add_model) and runs;
#      where a CUDA toolkit is found ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda,
#      ptxas on PATH), the model compiles with --target=cuda to PTX and to a
#      shared library (no GPU needed).
# As root, step 2 runs in a private mount namespace (unshare -m) where
# /usr/lib/llvm-* are empty and the system's libonnx and libprotobuf are
# unreadable, so nothing from them can be used (autoglm-opt then links with
# cc); elsewhere it runs without hiding them and says so.
#
#   scripts/check-package.sh TARBALL
# Ends with "package check: ok" or "package check: FAILED"; exits non-zero
# on failure.
set -uo pipefail
tarball=${1:?usage: scripts/check-package.sh autoglm-VERSION-linux-ARCH.tar.xz}
tarball=$(realpath "$tarball")
cd "$(dirname "$0")/.."
ROOT=$PWD

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAILED: $*"
  failures=$((failures + 1))
}

tar -C "$work" -xJf "$tarball" || {
  echo "package check: FAILED (cannot extract $tarball)"
  exit 1
}
pkg=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
echo "== package: $(basename "$pkg"), $(du -k "$tarball" | cut -f1) KiB packed"

# 1. ldd of the programs and of the runtime library (ldd lists the whole
# closure, as the dynamic loader resolves it for that program, through its
# RPATH): glibc's libraries may come from the system, everything else from
# the package's lib/. The other copies in lib/ have no RPATH of their own and
# are only loaded by the programs, so they are checked through them.
glibc_re='^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|/lib64/ld-linux-x86-64\.so\.2|lib(c|m|dl|rt|pthread)\.so\.[0-9]+)$'
for elf in "$pkg"/bin/* "$pkg"/lib/libautoglm_runtime.so; do
  [[ -f $elf ]] || continue
  out=$(ldd "$elf" 2>&1) || {
    fail "ldd $elf: $out"
    continue
  }
  while read -r line; do
    soname=${line%% *}
    path=$(sed -n 's/^[^ ]* => \([^ ]*\) .*/\1/p' <<<"$line")
    case $line in
    *"not found"*) fail "$(basename "$elf"): $soname not found" ;;
    *libLLVM* | *libMLIR* | */llvm-*) fail "$(basename "$elf"): $line" ;;
    esac
    if [[ -n $path && $path == "$pkg"/* ]]; then
      continue
    fi
    [[ $soname =~ $glibc_re ]] ||
      fail "$(basename "$elf") loads $soname from outside the package (${path:-?})"
  done < <(ldd "$elf" | sed 's/^[[:space:]]*//' | grep -v '^statically linked')
done
for program in "$pkg"/bin/*; do
  rpath=$(readelf -d "$program" | sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p')
  [[ $rpath == '$ORIGIN/../lib' ]] ||
    fail "$(basename "$program"): RPATH is '$rpath', not \$ORIGIN/../lib"
done
echo "== ldd: $failures problem(s)"

# 2. Compile and run a model from the extracted package: as a shared library
# run by autoglm-run, and as a static library with its header, linked with
# a C program against the packaged runtime, static and shared.
cp "$ROOT/examples/tiny_cnn.onnxtxt" "$work/model.onnxtxt"
cat >"$work/main.c" <<'C'
#include "autoglm/runtime.h"
#include "tiny.h"
#include <stdio.h>

int main(void) {
  static float image[3 * 32 * 32], probs[10];
  for (int i = 0; i < 3 * 32 * 32; ++i)
    image[i] = (float)(i % 17) / 17.0f;
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  autoglm_session *session;
  if (autoglm_session_create(&autoglm_model_tiny, &options, &session) !=
      AUTOGLM_OK) {
    fprintf(stderr, "%s\n", autoglm_last_create_error());
    return 1;
  }
  const int64_t image_shape[] = {1, 3, 32, 32}, probs_shape[] = {1, 10};
  autoglm_tensor in = {image, AUTOGLM_FLOAT32, 4, image_shape};
  autoglm_tensor out = {probs, AUTOGLM_FLOAT32, 2, probs_shape};
  autoglm_status status = autoglm_session_run(session, &in, 1, &out, 1);
  if (status != AUTOGLM_OK) {
    fprintf(stderr, "%s\n", autoglm_session_last_error(session));
    return 1;
  }
  autoglm_session_destroy(session);
  float sum = 0;
  for (int i = 0; i < 10; ++i)
    sum += probs[i];
  printf("softmax sum %.3f\n", sum);
  return 0;
}
C
cat >"$work/run.sh" <<'SCRIPT'
set -ex
cd "$1"
pkg=$2
"$pkg/bin/autoglm-opt" model.onnxtxt --input-shape=image:1x3x32x32 \
  --emit=so -o model.so
"$pkg/bin/autoglm-run" model.so --seed 1
"$pkg/bin/autoglm-opt" model.onnxtxt --input-shape=image:1x3x32x32 \
  --emit=lib --model-name=tiny -o libtiny.a
"$pkg/bin/autoglm-opt" model.onnxtxt --input-shape=image:1x3x32x32 \
  --emit=header --model-name=tiny -o tiny.h
cc -std=c11 -o main-static main.c -I"$pkg/include" libtiny.a \
  "$pkg/lib/libautoglm_runtime.a" -lm -lpthread -ldl
./main-static
cc -std=c11 -o main-shared main.c -I"$pkg/include" libtiny.a \
  -L"$pkg/lib" -lautoglm_runtime -Wl,-rpath,"$pkg/lib" -lm
./main-shared
cmake -G Ninja -S consumer -B consumer-build -DCMAKE_PREFIX_PATH="$pkg" >/dev/null
cmake --build consumer-build
consumer-build/tiny_mlp_demo
if [ -n "$3" ]; then
  "$pkg/bin/autoglm-opt" model.onnxtxt --input-shape=image:1x3x32x32 \
    --target=cuda --cuda-path="$3" --gpu-arch=sm_80 --emit=ptx -o model.ptx
  grep -c '^.target sm_80' model.ptx
  "$pkg/bin/autoglm-opt" model.onnxtxt --input-shape=image:1x3x32x32 \
    --target=cuda --cuda-path="$3" --emit=so -o model-cuda.so
  echo "cuda library: $(test -s model-cuda.so && echo written)"
fi
SCRIPT
# The CUDA toolkit, where the compiler would find it: the CUDA target is
# checked too when there is one.
cuda=
for root in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
  if [[ -n $root && -x $root/bin/ptxas ]]; then
    cuda=$root
    break
  fi
done
if [[ -z $cuda ]] && command -v ptxas >/dev/null; then
  cuda=$(dirname "$(dirname "$(command -v ptxas)")")
fi
[[ -n $cuda ]] || echo "== no CUDA toolkit: the CUDA target is not checked"
cp -r "$ROOT/examples/cmake-consumer" "$work/consumer"
hide_and_run() {
  local d f
  for d in /usr/lib/llvm-*; do
    [[ -d $d ]] && mount -t tmpfs -o ro none "$d"
  done
  for f in /usr/lib/*/libonnx*.so* /usr/lib/*/libprotobuf*.so*; do
    [[ -f $f ]] && mount --bind /dev/null "$f"
  done
  exec env -i PATH=/usr/bin:/bin bash "$@"
}
if [[ $(id -u) -eq 0 ]] && unshare -m --propagation private true 2>/dev/null; then
  echo "== compile and run, /usr/lib/llvm-*, libonnx and libprotobuf hidden"
  export -f hide_and_run
  out=$(unshare -m --propagation private bash -c 'hide_and_run "$@"' _ \
    "$work/run.sh" "$work" "$pkg" "$cuda" 2>&1)
else
  echo "== compile and run (not root or no unshare: the system's LLVM stays visible)"
  out=$(env -i PATH=/usr/bin:/bin bash "$work/run.sh" "$work" "$pkg" "$cuda" 2>&1)
fi
status=$?
echo "$out"
if ((status != 0)); then
  fail "compiling or running the model (status $status)"
else
  grep -q "^output 0 'probs': float32 \[1,10\]" <<<"$out" ||
    fail "autoglm-run printed no output 'probs'"
  [[ $(grep -c '^softmax sum 1.000$' <<<"$out") == 2 ]] ||
    fail "the C program, with the static and the shared runtime, did not print 'softmax sum 1.000' twice"
  grep -qx "ok" <<<"$out" ||
    fail "examples/cmake-consumer, built against the package, did not print ok"
  if [[ -n $cuda ]]; then
    grep -qx "cuda library: written" <<<"$out" ||
      fail "--target=cuda with the toolkit in $cuda wrote no library"
  fi
fi

if ((failures)); then
  echo "package check: FAILED ($failures problem(s))"
  exit 1
fi
echo "package check: ok"
