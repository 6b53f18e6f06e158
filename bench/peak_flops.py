#!/usr/bin/env python3
"""This machine's float32 peak per core, measured by a small FMA kernel.

The roofline column of docs/benchmarks.md needs the physical limit of the
CPU the benchmark ran on, not a datasheet figure: machines of the same kind
have turned out to be AMD Zen 4 or Intel Xeon, with different vector units.
The script writes a tiny C program, builds it with the system C compiler
(`cc`), and runs it. The program asks the CPU (`__builtin_cpu_supports`)
which vector extensions it has and times, for the widest one, a loop of
independent fused multiply-adds (AVX-512: 24 zmm accumulators; AVX2+FMA: 12
ymm; otherwise SSE multiply and add on 12 xmm), enough chains to cover the
FMA latency on every port. Each FMA lane counts 2 FLOP. With --threads N it
runs N copies on N threads and reports the sum and the rate per thread.
AMX (bf16/int8 tiles) does no float32 arithmetic, so it does not raise the
float32 peak; it is reported as a feature only.

Each thread's rate is its FLOPs per second of its own CPU time
(CLOCK_THREAD_CPUTIME_ID), so that other processes time-sharing the cores of
a loaded machine do not lower it; the rate per second of wall time is
reported beside it. The figure is the best of --repeats timings.

    .venv/bin/python bench/peak_flops.py [--threads 1] [--seconds 0.3] [--json]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

PROGRAM = r"""
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each kernel runs `iters` steps of 12 or 24 independent accumulator
   chains, acc = acc * a + b, written out as named variables so that they
   stay in registers, and returns a value that depends on every chain, so
   that the compiler can neither drop nor merge them (no -ffast-math). */
#define REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define REP24(X) REP12(X) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)

#define DECL512(i) __m512 acc##i = _mm512_set1_ps((float)i);
#define STEP512(i) acc##i = _mm512_fmadd_ps(acc##i, a, b);
#define SUM512(i) sum += _mm512_cvtss_f32(acc##i);
__attribute__((target("avx512f"))) static double kernel_avx512(long iters) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  REP24(DECL512)
  for (long n = 0; n < iters; ++n) { REP24(STEP512) }
  float sum = 0;
  REP24(SUM512)
  return sum;
}
#define FLOP_AVX512 (2.0 * 16 * 24)

#define DECL256(i) __m256 acc##i = _mm256_set1_ps((float)i);
#define STEP256(i) acc##i = _mm256_fmadd_ps(acc##i, a, b);
#define SUM256(i) sum += _mm256_cvtss_f32(acc##i);
__attribute__((target("avx2,fma"))) static double kernel_avx2(long iters) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  REP12(DECL256)
  for (long n = 0; n < iters; ++n) { REP12(STEP256) }
  float sum = 0;
  REP12(SUM256)
  return sum;
}
#define FLOP_AVX2 (2.0 * 8 * 12)

#define DECL128(i) __m128 acc##i = _mm_set1_ps((float)i);
#define STEP128(i) acc##i = _mm_add_ps(_mm_mul_ps(acc##i, a), b);
#define SUM128(i) sum += _mm_cvtss_f32(acc##i);
static double kernel_sse(long iters) {
  __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  REP12(DECL128)
  for (long n = 0; n < iters; ++n) { REP12(STEP128) }
  float sum = 0;
  REP12(SUM128)
  return sum;
}
#define FLOP_SSE (2.0 * 4 * 12)

typedef double (*kernel_fn)(long);
static kernel_fn kernel;
static long iterations;
static double sink[256];

static double cpu_seconds[256];

static double thread_cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
  long index = (long)arg;
  double start = thread_cpu_now();
  sink[index % 256] = kernel(iterations);
  cpu_seconds[index] = thread_cpu_now() - start;
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Wall seconds of `threads` threads each running `iters` steps. */
static double timed(int threads, long iters) {
  pthread_t ids[256];
  iterations = iters;
  double start = now();
  for (long t = 0; t < threads; ++t) pthread_create(&ids[t], NULL, worker, (void *)t);
  for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
  return now() - start;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.3;
  int repeats = argc > 3 ? atoi(argv[3]) : 5;
  if (threads < 1 || threads > 256) return 2;
  __builtin_cpu_init();
  const char *isa;
  double flop_per_step;
  if (__builtin_cpu_supports("avx512f")) {
    kernel = kernel_avx512, isa = "avx512f", flop_per_step = FLOP_AVX512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    kernel = kernel_avx2, isa = "avx2+fma", flop_per_step = FLOP_AVX2;
  } else {
    kernel = kernel_sse, isa = "sse", flop_per_step = FLOP_SSE;
  }
  /* Size the loop to about `seconds` on one thread, then keep the best. */
  long iters = 1 << 16;
  while (timed(1, iters) < seconds / 4 && iters < (1L << 40)) iters *= 2;
  iters = (long)(iters * (seconds / timed(1, iters)));
  if (iters < 1) iters = 1;
  /* Two rates: per second of each thread's own CPU time (what a core does
     while it runs the loop, whatever else the machine runs), summed over
     the threads, and per second of wall time (lower when other processes
     share the cores). */
  double best = 0, worst = 1e300, best_wall = 0;
  for (int r = 0; r < repeats; ++r) {
    double wall = threads * iters * flop_per_step / timed(threads, iters) / 1e9, rate = 0;
    for (int t = 0; t < threads; ++t) rate += iters * flop_per_step / cpu_seconds[t] / 1e9;
    if (rate > best) best = rate;
    if (rate < worst) worst = rate;
    if (wall > best_wall) best_wall = wall;
  }
  double s = 0;
  for (int i = 0; i < 256; ++i) s += sink[i];
  printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": %.2f, \"gflops_per_thread\": %.2f, "
         "\"gflops_slowest\": %.2f, \"gflops_wall\": %.2f, \"repeats\": %d, \"checksum\": %g}\n",
         isa, threads, best, best / threads, worst, best_wall, repeats, s);
  return 0;
}
"""


def host_features():
    """The vector and matrix extensions lscpu reports (what the kernel's choice rests on)."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    wanted = ("avx2", "fma", "avx512f", "avx512_fp16", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16",
              "amx_int8")
    return [f for f in wanted if f in flags]


def measure(threads=1, seconds=0.3, repeats=5, cc=None):
    """{"isa", "threads", "gflops" (best, all threads), "gflops_per_thread", ...}
    or {"error": ...} when no C compiler is found or the program fails."""
    cc = cc or os.environ.get("CC") or shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if not cc:
        return {"error": "no C compiler (cc) to build the peak-FLOP kernel"}
    with tempfile.TemporaryDirectory(prefix="autoglm-peak-") as tmp:
        src, exe = os.path.join(tmp, "peak.c"), os.path.join(tmp, "peak")
        with open(src, "w") as f:
            f.write(PROGRAM)
        built = subprocess.run([cc, "-O2", "-pthread", src, "-o", exe], capture_output=True, text=True)
        if built.returncode != 0:
            return {"error": f"{cc} failed: {built.stderr.strip().splitlines()[-1:]}"}
        ran = subprocess.run([exe, str(threads), str(seconds), str(repeats)], capture_output=True, text=True)
        if ran.returncode != 0:
            return {"error": f"peak-FLOP kernel exited {ran.returncode}"}
    result = json.loads(ran.stdout)
    result["features"] = host_features()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads, one kernel each (default 1)")
    parser.add_argument("--seconds", type=float, default=0.3, help="seconds per timing")
    parser.add_argument("--repeats", type=int, default=5, help="timings; the best is the peak")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if not 1 <= args.threads <= 256:
        parser.error("--threads must be 1 to 256")
    result = measure(args.threads, args.seconds, args.repeats)
    if "error" in result:
        print(f"bench/peak_flops.py: {result['error']}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['isa']}: {result['gflops']:.1f} GFLOP/s float32 on {result['threads']} thread(s), "
              f"{result['gflops_per_thread']:.1f} per thread (slowest of {result['repeats']} timings: "
              f"{result['gflops_slowest']:.1f}; per second of wall time: {result['gflops_wall']:.1f}); host features: {' '.join(result['features'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
