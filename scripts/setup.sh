#!/usr/bin/env bash
# Create .venv and install embedsafe with everything its demo, tests and benchmarks use.
# Idempotent: a second run only checks that the packages are there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# The CPU build of torch first: a plain `pip install torch` can pull a multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
  .venv/bin/python -m pip install -q "torch==2.13.0" || .venv/bin/python -m pip install -q "torch>=2.3"
fi
.venv/bin/python -m pip install -q -e ".[all]"
# Minigrid is only a benchmark peer; its own deps would pull pygame-ce beside pygame.
.venv/bin/python -m pip install -q --no-deps "minigrid>=2.3" || echo "minigrid not installed (benchmarks only)"
echo "embedsafe is installed in .venv"
