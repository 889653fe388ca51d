"""With one core busy: skffnn's one-thread prediction after scikit-learn's, and alone.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_loaded_worker.py [--trials 6] [--rows 1000]

On a loaded machine skffnn runs a prediction's products on the cores other
processes leave free (one thread here). ``bench_predict.py --loaded`` times
each of its calls right after one of scikit-learn's, whose products use two
BLAS threads; OpenBLAS's second thread then spins on the free core for a
tenth of a second or so before it sleeps, and skffnn's one thread shares the
busy core. This script shows that effect alone: with a busy process on one
core, the medium float64 model's ``predict_proba`` (one BLAS thread) is timed
right after a scikit-learn call, then again after 0.4 s of sleep.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import bench_predict as bp


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    print(h.format_environment(h.environment(h.load_libraries(["skffnn", "sklearn"]))))
    ours, theirs, Xq, _ = bp.models("medium", "float64")
    X = np.ascontiguousarray(Xq[: args.rows])

    def mean_ms() -> float:
        start = time.perf_counter()
        for _ in range(args.calls):
            ours.predict_proba(X)
        return (time.perf_counter() - start) / args.calls * 1e3

    print(f"medium float64 predict_proba, {args.rows} rows, one BLAS thread, "
          f"mean of {args.calls} calls (ms):")  # fmt: skip
    with bp.busy_core(600):
        for _ in range(args.trials):
            theirs.predict_proba(X)  # two BLAS threads: wakes OpenBLAS's second
            with threadpool_limits(1, user_api="blas"):
                after = mean_ms()
            time.sleep(0.4)  # long enough for that thread to sleep again
            with threadpool_limits(1, user_api="blas"):
                alone = mean_ms()
            line = f"  right after scikit-learn's call {after:6.2f}"
            print(f"{line}   after 0.4 s {alone:6.2f}")


if __name__ == "__main__":
    main()
