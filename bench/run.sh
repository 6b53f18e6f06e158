#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: the table, the chart and the per-op-class
# profile. Extra arguments go to bench/run.py (e.g. --build build-perf,
# --threads 2, --models resnet50). Takes about 45 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r bench/requirements.txt
exec .venv/bin/python bench/run.py --all --profile --docs "$@"
