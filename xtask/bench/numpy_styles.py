"""Times the documents' numpy expressions for `cargo xtask bench` (never required).

Usage: numpy_styles.py KIND ROWS COLS PRED TARGETS BUDGET MAX_REPS
  KIND     binary | categorical
  PRED     raw little-endian f64, column-major (ROWS, COLS): A (binary) or Q (categorical)
  TARGETS  the same for Y (binary) or the dense one-hot/soft P (categorical)

Prints one JSON object per style: {"style", "times": [seconds...], "peak_extra_bytes"}.
Thread counts of the BLAS are set by the caller (OPENBLAS_NUM_THREADS and friends).
"""

import json
import sys
import time
import tracemalloc

import numpy as np


def styles(kind, m):
    if kind == "binary":
        return {
            # cost = -(1/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))
            "sum": lambda A, Y: -(1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
            # cost = -(1/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))
            "dot": lambda A, Y: -(1 / m)
            * (np.dot(np.log(A), Y.T) + np.dot(np.log(1 - A), (1 - Y).T)),
            # logprobs = np.matmul(Y, np.log(A).T) + np.matmul(1-Y, np.log(1-A).T)
            "matmul": lambda A, Y: -(1 / m)
            * np.trace(np.matmul(Y, np.log(A).T) + np.matmul(1 - Y, np.log(1 - A).T)),
        }
    return {
        "sum": lambda Q, P: -(1 / m) * np.sum(P * np.log(Q)),
        "dot": lambda Q, P: -(1 / m) * np.trace(np.dot(np.log(Q), P.T)),
        "matmul": lambda Q, P: -(1 / m) * np.trace(np.matmul(P, np.log(Q).T)),
    }


def main():
    kind, rows, cols, pred, targets, budget, max_reps = sys.argv[1:8]
    rows, cols, budget, max_reps = int(rows), int(cols), float(budget), int(max_reps)
    load = lambda path: np.fromfile(path, dtype="<f8").reshape((rows, cols), order="F")
    a, y = load(pred), load(targets)
    for name, f in styles(kind, cols).items():
        f(a, y)  # warm-up
        times, spent = [], 0.0
        while len(times) < max_reps and (len(times) < 3 or spent < budget):
            t = time.perf_counter()
            f(a, y)
            dt = time.perf_counter() - t
            times.append(dt)
            spent += dt
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        f(a, y)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        print(json.dumps({"style": name, "times": times, "peak_extra_bytes": peak}), flush=True)


if __name__ == "__main__":
    main()
