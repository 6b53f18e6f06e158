#!/usr/bin/env python3
"""The ceiling of an int8 product against float32 on this machine's CPU.

An int8 product pays on the CPU only if the CPU multiplies 8-bit values
faster than it multiplies float32 ones. This script measures, per core,
the multiply-adds per second of the instruction sequences the kernels use:

- `vfmadd231ps` (AVX2+FMA, 8 float32 multiply-adds; the float32 kernel),
- `vpmaddwd` (AVX2, 16 multiplies of 16-bit values, summed in pairs into
  8 int32 lanes, then `vpaddd`: AutoGLM's exact int8 kernel on AVX2
  without VNNI, bytes widened to 16 bits),
- `vpmaddubsw` + `vpmaddwd` by ones + `vpaddd` (32 uint8 x int8 multiplies
  whose pairs are summed in 16 bits and saturate: ONNX Runtime's int8
  kernel on such CPUs, bench/precision_host.py),
- `vpdpbusd` on 256 bits (AVX-512 VNNI with VL, 32 exact
  uint8 x int8 multiply-adds) where the CPU has it.

Each is a loop of 12 independent accumulator chains held in registers
(enough to cover the latencies), timed in the thread's CPU time
(CLOCK_THREAD_CPUTIME_ID) so that other processes sharing a loaded machine
do not lower the figure; the best of --repeats timings is reported, with
the ratio to float32. The C program is written here and built with the
system C compiler (`cc`), as bench/peak_flops.py does.

    .venv/bin/python bench/precision_peak.py [--seconds 0.3] [--repeats 5]
"""

import argparse
import os
import subprocess
import sys
import tempfile

PROGRAM = r"""
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECLF(i) __m256 v##i = _mm256_set1_ps((float)i);
#define DECLI(i) __m256i v##i = _mm256_set1_epi32(i * 16843009);
#define SUMF(i) s += _mm256_cvtss_f32(v##i);
#define SUMI(i) s += _mm256_cvtsi256_si32(v##i);

/* A kernel: `n` steps of 12 independent accumulator chains v0..v11 (named
   variables, so that they stay in registers), each step one STEP per
   chain, returning a value that depends on every chain. */
#define KERNEL(NAME, TARGET, DECL, SUM, SETUP, STEP)                          \
  __attribute__((target(TARGET))) static double NAME(long n) {               \
    SETUP REP12(DECL)                                                         \
    for (long k = 0; k < n; ++k) { REP12(STEP) }                              \
    double s = 0;                                                             \
    REP12(SUM) return s;                                                      \
  }

#define FMA_STEP(i) v##i = _mm256_fmadd_ps(v##i, a, b);
KERNEL(fma_f32, "avx2,fma", DECLF, SUMF,
       __m256 a = _mm256_set1_ps(0.999999f); __m256 b = _mm256_set1_ps(1e-7f);, FMA_STEP)
/* acc + madd(acc, b): the chain the exact kernel's accumulators form. */
#define WD_STEP(i) v##i = _mm256_add_epi32(v##i, _mm256_madd_epi16(v##i, b));
KERNEL(madd_wd, "avx2", DECLI, SUMI, __m256i b = _mm256_set1_epi16(3);, WD_STEP)
#define UBS_STEP(i) \
  v##i = _mm256_add_epi32(v##i, _mm256_madd_epi16(_mm256_maddubs_epi16(v##i, b), ones));
KERNEL(madd_ubs, "avx2", DECLI, SUMI,
       __m256i b = _mm256_set1_epi8(3); __m256i ones = _mm256_set1_epi16(1);, UBS_STEP)
#define DP_STEP(i) v##i = _mm256_dpbusd_epi32(v##i, v##i, b);
KERNEL(dpbusd, "avx512vnni,avx512vl", DECLI, SUMI, __m256i b = _mm256_set1_epi8(3);, DP_STEP)

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Best multiply-adds per second of `kernel` over `repeats` timings of
   about `seconds` each; `macs` multiply-adds per chain step. */
static double rate(double (*kernel)(long), double macs, double seconds, int repeats,
                   volatile double *sink) {
  long n = 1000;
  for (;;) {
    double t = cpu_seconds();
    *sink += kernel(n);
    t = cpu_seconds() - t;
    if (t > seconds / 4) { n = (long)(n * seconds / t) + 1; break; }
    n *= 4;
  }
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    double t = cpu_seconds();
    *sink += kernel(n);
    t = cpu_seconds() - t;
    double v = 12.0 * macs * n / t;
    if (v > best) best = v;
  }
  return best;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.3;
  int repeats = argc > 2 ? atoi(argv[2]) : 5;
  volatile double sink = 0;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    printf("no-avx2\n");
    return 0;
  }
  printf("vfmadd231ps %.4g\n", rate(fma_f32, 8, seconds, repeats, &sink));
  printf("vpmaddwd %.4g\n", rate(madd_wd, 16, seconds, repeats, &sink));
  printf("vpmaddubsw %.4g\n", rate(madd_ubs, 32, seconds, repeats, &sink));
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl"))
    printf("vpdpbusd %.4g\n", rate(dpbusd, 32, seconds, repeats, &sink));
  return 0;
}
"""

ROWS = {
    "vfmadd231ps": "float32 FMA (AutoGLM's and ONNX Runtime's float32 kernels)",
    "vpmaddwd": "exact int8 on AVX2: bytes widened to 16 bits (AutoGLM)",
    "vpmaddubsw": "saturating int8 on AVX2: vpmaddubsw + vpmaddwd + vpaddd (ONNX Runtime)",
    "vpdpbusd": "exact int8 with VNNI (256 bits)",
}


def measure(seconds, repeats):
    """{instruction: multiply-adds per second per core}, or None without AVX2."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "peak.c")
        exe = os.path.join(tmp, "peak")
        with open(src, "w") as f:
            f.write(PROGRAM)
        subprocess.run(["cc", "-O2", src, "-o", exe], check=True)
        out = subprocess.run([exe, str(seconds), str(repeats)], check=True,
                             capture_output=True, text=True).stdout
    rates = {}
    for line in out.splitlines():
        if line == "no-avx2":
            return None
        name, value = line.split()
        rates[name] = float(value)
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=0.3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rates = measure(args.seconds, args.repeats)
    if rates is None:
        print("this CPU has no AVX2+FMA: nothing to measure")
        return 0
    f32 = rates["vfmadd231ps"]
    print("| instruction sequence | G multiply-adds/s per core | / float32 |")
    print("| --- | --- | --- |")
    for name, value in rates.items():
        print(f"| {ROWS[name]} | {value / 1e9:.1f} | {value / f32:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
