#!/usr/bin/env python3
"""Feeds mutated copies of real ONNX models (truncated, bit-flipped, bytes
overwritten or repeated) to autoglm-opt and checks that every one either
imports or is rejected with a diagnostic and exit status 1: no crash, no
sanitizer report, no hang.

    fuzz_importer.py --autoglm-opt build/bin/autoglm-opt --count 3000 --seed 1

Seeds are the ONNX backend node test models plus the `.onnxtxt` importer
tests. Failing inputs are kept in --crash-dir for reproduction.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_node_tests  # noqa: E402


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    if not buf:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    kind = rng.randrange(5)
    if kind == 0:  # truncate
        return bytes(buf[: rng.randrange(len(buf))])
    if kind == 1:  # flip bits
        for _ in range(rng.randrange(1, 9)):
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    elif kind == 2:  # overwrite bytes with interesting values
        for _ in range(rng.randrange(1, 5)):
            i = rng.randrange(len(buf))
            buf[i] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    elif kind == 3:  # repeat a chunk
        i = rng.randrange(len(buf))
        j = min(len(buf), i + rng.randrange(1, 64))
        buf[i:i] = buf[i:j] * rng.randrange(1, 4)
    else:  # delete a chunk
        i = rng.randrange(len(buf))
        del buf[i : i + rng.randrange(1, 32)]
    return bytes(buf)


def run_one(autoglm_opt: str, path: str, timeout: float) -> str | None:
    """None when the importer behaved; otherwise what went wrong."""
    try:
        proc = subprocess.run([autoglm_opt, path], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"hang (> {timeout:.0f} s)"
    err = proc.stderr.decode(errors="replace")
    if onnx_node_tests.crashed(proc.returncode, err):
        return f"crash (exit {proc.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}"
    if proc.returncode not in (0, 1):
        return f"unexpected exit status {proc.returncode}"
    if proc.returncode == 1 and "error" not in err:
        return "exit 1 without a diagnostic"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--autoglm-opt", required=True)
    parser.add_argument("--data-dir", default="build/onnx-node-tests")
    parser.add_argument("--text-seeds", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "test", "Importer"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--crash-dir", default=None)
    parser.add_argument("--only", default=None,
                        help="use only seed models whose test name matches this regex")
    args = parser.parse_args()

    names = onnx_node_tests.materialize(args.data_dir)
    if args.only:
        names = [n for n in names if re.search(args.only, n)]
    seeds = [os.path.join(args.data_dir, n, "model.onnx") for n in names]
    text_seeds = sorted(glob.glob(os.path.join(args.text_seeds, "*.onnxtxt")))
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="autoglm-fuzz-")
    jobs = []
    for i in range(args.count):
        seed = rng.choice(text_seeds) if text_seeds and rng.random() < 0.2 else rng.choice(seeds)
        with open(seed, "rb") as f:
            data = mutate(f.read(), rng)
        path = os.path.join(work, f"case{i}{os.path.splitext(seed)[1]}")
        with open(path, "wb") as f:
            f.write(data)
        jobs.append((path, seed))

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda j: run_one(args.autoglm_opt, j[0], args.timeout), jobs))

    bad = [(job, why) for job, why in zip(jobs, outcomes) if why]
    for (path, seed), why in bad:
        kept = path
        if args.crash_dir:
            os.makedirs(args.crash_dir, exist_ok=True)
            kept = shutil.copy(path, args.crash_dir)
        print(f"FAIL {kept} (mutated from {seed}): {why}")
    if not bad or args.crash_dir:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(jobs) - len(bad)} of {len(jobs)} mutated models handled cleanly "
          f"(imported or rejected with a diagnostic), {len(bad)} crashed or hung")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
