#!/usr/bin/env python3
"""The onnxruntime side of bench/run.sh: the latency of one model, timed like `zoo run --repeat`.

Usage:
  ort_run.py MODEL THREADS RUNS [INPUT.npy]  one warm-up, then RUNS timed runs; prints
                                              `latency: median X ms, min Y ms over N runs`
  ort_run.py --draw-input MODEL INPUT.npy [BATCH]
                                              writes a standard-normal input of the model's shape
                                              (a symbolic first dimension set to BATCH, default 1,
                                              other symbolic dimensions to 1; seed 1) for both
                                              tools to read

The session: CPU execution provider, intra_op_num_threads=THREADS, inter_op_num_threads=1,
sequential execution, every graph optimization (ORT_ENABLE_ALL, the default). Without INPUT.npy
the input is drawn as --draw-input would draw it. The median of an even count is the mean of
the middle two, as zoo computes it.
"""
import sys
import time

import numpy as np
import onnxruntime as ort


def draw_input(model, batch=1):
    info = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_inputs()[0]
    shape = [dim if isinstance(dim, int) else (batch if axis == 0 else 1) for axis, dim in enumerate(info.shape)]
    return np.random.default_rng(1).standard_normal(shape, dtype=np.float32)


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "--draw-input":
        np.save(argv[2], draw_input(argv[1], int(argv[3]) if len(argv) == 4 else 1))
        return
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    model, threads, runs = argv[0], int(argv[1]), int(argv[2])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    x = np.load(argv[3]) if len(argv) == 4 else draw_input(model)
    feeds = {session.get_inputs()[0].name: x}
    session.run(None, feeds)
    latencies = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        session.run(None, feeds)
        latencies.append((time.perf_counter_ns() - start) / 1e6)
    latencies.sort()
    middle = len(latencies) // 2
    median = latencies[middle] if len(latencies) % 2 else (latencies[middle - 1] + latencies[middle]) / 2
    print(f"latency: median {median:.2f} ms, min {latencies[0]:.2f} ms over {runs} runs")


if __name__ == "__main__":
    main(sys.argv[1:])
