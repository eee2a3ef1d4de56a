#!/usr/bin/env python3
"""The machine's measured sgemm peak for bench/run.sh: the best of 10 float32 products of two
2048 x 2048 matrices through NumPy's OpenBLAS, on THREADS threads, in GFLOP/s (2 n^3 per product).

Usage: .venv/bin/python bench/sgemm_peak.py THREADS
"""
import os
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[1]  # read when NumPy loads OpenBLAS

import time  # noqa: E402

import numpy as np  # noqa: E402

n = 2048
rng = np.random.default_rng(1)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
c = np.empty((n, n), dtype=np.float32)
np.matmul(a, b, out=c)
times = []
for _ in range(10):
    start = time.perf_counter()
    np.matmul(a, b, out=c)
    times.append(time.perf_counter() - start)
print(f"{2 * n ** 3 / min(times) / 1e9:.1f}")
