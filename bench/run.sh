#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: the table, the chart and the per-op-class
# profile at all cores (2 here), then the table and chart at 1 thread.
# Extra arguments go to both bench/run.py runs (e.g. --build build-perf).
# Takes about 40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r bench/requirements.txt
.venv/bin/python bench/run.py --all --profile --docs "$@"
.venv/bin/python bench/run.py --all --threads 1 --docs --docs-block=-1thread \
  --results "$(mktemp -d)" "$@"
