"""A/B: the working tree's skffnn against an earlier revision, in one process.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/ab_fit.py --base HEAD~1 --workload large \\
        [--dtype float64] [--solver adam] [--threads 1] [--rounds 3]

The base revision's ``skffnn/`` is exported with ``git archive`` into a
temporary directory under the package name ``skffnn_base`` (its imports are
relative), so both versions load side by side. Each round fits the
workload of ``bench_mlp.py`` once with each version, in turns, after one
untimed round; the figure is the median over rounds of new time / base time,
which cancels the machine's slow drifts (this VM's speed moves by 20 % or
more within minutes). Fits are timed by CPU time with one thread (robust to
other processes), by wall time otherwise.

A change of a few percent cannot be seen across two runs of
``bench_mlp.py``; this is how the changes of the third round of speed work
were measured.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import bench_mlp

ROOT = Path(__file__).resolve().parents[1]


def export_base(rev: str, into: Path) -> None:
    """Write revision ``rev``'s skffnn package to ``into/skffnn_base``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "skffnn"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "skffnn").rename(into / "skffnn_base")


def ab(workload, dtype, solver, threads, rounds, base_pkg):
    """Per-round fit times (seconds per epoch) of the two versions."""
    import skffnn

    wl = bench_mlp.WORKLOADS[workload]
    X, y = bench_mlp.as_dtype(wl.loader, False, dtype)
    params = bench_mlp.mlp_params(wl, solver, wl.epochs)
    name = "FFNClassifier" if wl.task == "clf" else "FFNRegressor"
    versions = {"base": getattr(base_pkg, name), "new": getattr(skffnn, name)}
    clock = time.process_time if threads == 1 else time.perf_counter
    times = {k: [] for k in versions}
    with warnings.catch_warnings(), h.thread_limit(threads):
        warnings.simplefilter("ignore")
        for r in range(rounds + 1):
            for key, Est in versions.items():
                est = Est(**params)
                start = clock()
                est.fit(X, y)
                if r:  # round 0 warms up
                    times[key].append((clock() - start) / est.n_iter_)
    return times


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="HEAD", help="git revision to compare with")
    stochastic = [w for w, wl in bench_mlp.WORKLOADS.items() if wl.kind == "stochastic"]
    p.add_argument("--workload", default="medium", choices=stochastic)
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--solver", default="adam", choices=["adam", "sgd"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        export_base(args.base, Path(tmp))
        sys.path.insert(0, tmp)
        try:
            base_pkg = importlib.import_module("skffnn_base")
            times = ab(
                args.workload, args.dtype, args.solver, args.threads, args.rounds,
                base_pkg,
            )  # fmt: skip
        finally:
            sys.path.remove(tmp)
    ratios = np.array(times["new"]) / np.array(times["base"])
    print(
        f"{args.workload} {args.solver} {args.dtype}, {args.threads} thread(s), "
        f"{args.rounds} rounds, base {args.base}:"
    )
    for key, values in times.items():
        print(f"  {key:4s} median {np.median(values):.4g} s/epoch")
    print(
        f"  new / base: {np.median(ratios):.3f} (rounds: "
        + ", ".join(f"{r:.3f}" for r in ratios)
        + ")"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
