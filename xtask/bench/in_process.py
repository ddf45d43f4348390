"""In-process rows for `cargo xtask bench` (never required): the `xent` Python package on
(1, 10^7) float32 numpy arrays, beside the fused kernel's own time inside the same calls,
the documents' numpy styles on the same arrays, and torch.nn.functional.binary_cross_entropy
when torch is installed. Prints one JSON object: {"rows": [{"what", "median_s", "min_s"}...],
"versions": {...}}. Exits 3 when `xent` is not importable (the bench skips the rows then).
"""

import json
import statistics
import sys
import time

try:
    import numpy as np
    import xent
except ImportError as e:  # the bench says so and goes on
    print(json.dumps({"skipped": str(e)}))
    sys.exit(3)


def timed(f, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return times


def main():
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = np.random.default_rng(0x78656E74)
    A = rng.uniform(0.001, 0.999, (1, m)).astype(np.float32)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(np.float32)
    rows = []

    kernel = []

    def call():
        r = xent.binary(A, Y)
        kernel.append(r.timings["kernel"])

    calls = timed(call, reps)
    rows.append({"what": "xent.binary (whole call)", "times": calls})
    rows.append({"what": "its fused kernel (inside the same calls)", "times": kernel})
    styles = {
        "numpy np.sum style": lambda: -(1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
        "numpy np.dot style": lambda: -(1 / m)
        * (np.dot(np.log(A), Y.T) + np.dot(np.log(1 - A), (1 - Y).T)),
    }
    for name, f in styles.items():
        rows.append({"what": name, "times": timed(f, reps)})
    versions = {"numpy": np.__version__}
    try:
        import torch
        import torch.nn.functional as F

        ta, ty = torch.from_numpy(A), torch.from_numpy(Y)
        rows.append(
            {
                "what": "torch.nn.functional.binary_cross_entropy",
                "times": timed(lambda: F.binary_cross_entropy(ta, ty), reps),
            }
        )
        versions["torch"] = torch.__version__
    except ImportError:
        versions["torch"] = None
    for r in rows:
        r["median_s"] = statistics.median(r["times"])
        r["min_s"] = min(r["times"])
        del r["times"]
    print(json.dumps({"m": m, "dtype": "float32", "rows": rows, "versions": versions}))


main()
