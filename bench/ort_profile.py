#!/usr/bin/env python3
"""Where onnxruntime's time goes, per op type of its optimized graph, beside `zoo run --profile`.

Usage: ort_profile.py MODEL INPUT.npy THREADS RUNS. The session is ort_run.py's (CPU provider,
intra_op_num_threads=THREADS, inter_op_num_threads=1, sequential, every graph optimization) with
profiling on; one warm-up, then RUNS runs. Prints a table of ms per run and share per op type,
from the profile's node kernel times (fused nodes appear under onnxruntime's own names, such as
FusedConv or QuickGelu, the x * sigmoid(x) it fuses). The profile file is removed.
"""
import collections
import json
import os
import sys

import numpy as np
import onnxruntime as ort


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    model, data, threads, runs = argv[0], np.load(argv[1]), int(argv[2]), int(argv[3])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(os.path.dirname(os.path.abspath(argv[1])), "ort_profile")
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    feeds = {session.get_inputs()[0].name: data}
    session.run(None, feeds)
    warm_up = session.end_profiling()
    os.remove(warm_up)
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    session.run(None, feeds)
    for _ in range(runs):
        session.run(None, feeds)
    path = session.end_profiling()
    with open(path) as file:
        events = json.load(file)
    os.remove(path)
    per_op = collections.defaultdict(float)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            per_op[event["args"]["op_name"]] += event["dur"] / 1000.0
    total = sum(per_op.values()) or 1.0
    # The warm-up of the second session is counted too: runs + 1 runs.
    print(f"{'op':<18} {'ms per run':>10}  share")
    for op, ms in sorted(per_op.items(), key=lambda item: -item[1]):
        print(f"{op:<18} {ms / (runs + 1):>10.2f}  {100 * ms / total:4.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
