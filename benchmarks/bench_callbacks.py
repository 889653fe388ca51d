"""What scikit-learn's callback API costs a fit: nothing without callbacks.

Run from the repository root (one BLAS thread, CPU time; about 6 minutes on
the project's 2-core machine, ``--quick`` under one)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_callbacks.py [--base REV] [--rounds 3] [--quick]

Two measurements, on ``bench_mlp.py``'s ``small`` (digits, 50 epochs: many
short epochs, where a per-epoch cost would show) and ``medium`` (20,000 rows,
(256, 256), 10 epochs) workloads with ``adam``:

1. **No callbacks, before and after.** The working tree against revision
   ``--base`` (default: the parent of the commit that added
   ``skffnn/_callbacks.py``, or HEAD while it is uncommitted), fits
   interleaved in one process by ``ab_fit.py``; the figure is the median over
   rounds of new / base seconds per epoch (1.00 = no cost; this VM's noise
   is a few percent).
   Since that revision may hold other changes too, the null watch's own
   cost is also timed: what a fit without callbacks calls per epoch
   (``iteration_begin`` and ``iteration_end`` of ``NULL_WATCH``) and once
   (``start_fit``), against the epoch's time.
2. **With callbacks, in the working tree**, interleaved: no callback; a
   callback whose hooks do nothing (the bookkeeping: two hook calls per
   epoch); one that asks for ``fitted_estimator`` (plus a copy of the model
   per epoch); and ``ScoringMonitor(scoring="accuracy")``. The monitor's
   overhead over the plain fit is compared with the scoring itself: one
   ``accuracy`` scorer call on the training data per epoch and one for the
   fit, timed on the fitted model. A ratio near 1 means the overhead *is*
   the scoring.
"""

from __future__ import annotations

import argparse
import copy
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
import ab_fit
import bench_mlp

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ("small", "medium")


class NoOp:
    """A FitCallback whose hooks do nothing: the cost of the bookkeeping."""

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass


class WantsModel(NoOp):
    """Asks for the fitted model at the end of every epoch, and drops it."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        pass


def default_base() -> str:
    """The revision before callbacks: the parent of the commit adding them."""
    added = subprocess.run(
        ["git", "-C", str(ROOT), "log", "--format=%H", "--diff-filter=A", "--",
         "skffnn/_callbacks.py"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return f"{added[-1]}~1" if added else "HEAD"


def load(workload: str, quick: bool):
    wl = bench_mlp.WORKLOADS[workload]
    X, y = bench_mlp.as_dtype(wl.loader, quick, "float64")
    params = bench_mlp.mlp_params(wl, "adam", wl.n_epochs(quick))
    return X, y, params


def with_callbacks(workload: str, rounds: int, quick: bool) -> dict:
    """Seconds per epoch of each variant, and of the scoring alone."""
    from sklearn.callback import ScoringMonitor
    from sklearn.metrics import check_scoring

    from skffnn import FFNClassifier

    X, y, params = load(workload, quick)
    variants = {
        "none": lambda: [],
        "no-op callback": lambda: [NoOp()],
        "fitted_estimator": lambda: [WantsModel()],
        "ScoringMonitor": lambda: [ScoringMonitor(scoring="accuracy")],
    }
    times = {k: [] for k in variants}
    scoring = []
    for r in range(rounds + 1):  # round 0 warms up
        order = list(variants)[r % 4 :] + list(variants)[: r % 4]
        for key in order:
            est = FFNClassifier(**params).set_callbacks(*variants[key]())
            start = time.process_time()
            est.fit(X, y)
            if r:
                times[key].append((time.process_time() - start) / est.n_iter_)
        if r:
            # What the monitor does per epoch: copy the model, score it.
            scorer = check_scoring(est, "accuracy")
            start = time.process_time()
            for _ in range(est.n_iter_ + 1):
                scorer(copy.copy(est), X, y)
            scoring.append((time.process_time() - start) / est.n_iter_)
    return {"times": times, "scoring": scoring, "epochs": est.n_iter_}


def null_watch_cost(workload: str, quick: bool) -> tuple[float, float]:
    """Seconds per epoch of the null watch's calls, and per fit of start_fit."""
    from skffnn import FFNClassifier
    from skffnn._callbacks import NULL_WATCH, start_fit

    X, y, params = load(workload, quick)
    est, n = FFNClassifier(**params), 200_000
    begin, end = NULL_WATCH.iteration_begin, NULL_WATCH.iteration_end
    start = time.process_time()
    for _ in range(n):
        begin(None)
        end(None, loss=0.5)
    per_epoch = (time.process_time() - start) / n
    start = time.process_time()
    for _ in range(n):
        start_fit(est, X, y, task_name="fit", max_subtasks=10)
    return per_epoch, (time.process_time() - start) / n


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default=None, help="git revision before callbacks")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="bench_mlp's quick sizes")
    p.add_argument("--no-ab", action="store_true", help="skip the before/after part")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    with h.thread_limit(1):
        if not args.no_ab:
            base = args.base or default_base()
            print(f"1. No callbacks: working tree / {base}, adam, 1 thread, CPU time")
            with tempfile.TemporaryDirectory() as tmp:
                ab_fit.export_base(base, Path(tmp))
                sys.path.insert(0, tmp)
                try:
                    base_pkg = importlib.import_module("skffnn_base")
                    for workload in WORKLOADS:
                        t = ab_fit.ab(
                            workload, "float64", "adam", 1, args.rounds, base_pkg
                        )
                        ratios = np.array(t["new"]) / np.array(t["base"])
                        print(
                            f"   {workload:6s} base {np.median(t['base']) * 1e3:8.3f}"
                            f" ms/epoch  new {np.median(t['new']) * 1e3:8.3f}"
                            f" ms/epoch  new/base {np.median(ratios):.3f} (rounds "
                            + ", ".join(f"{r:.3f}" for r in ratios)
                            + ")"
                        )
                finally:
                    sys.path.remove(tmp)
            for workload in WORKLOADS:
                per_epoch, per_fit = null_watch_cost(workload, args.quick)
                print(
                    f"   {workload:6s} null watch: {per_epoch * 1e9:.0f} ns/epoch, "
                    f"start_fit {per_fit * 1e9:.0f} ns/fit"
                )
        print("2. With callbacks (working tree), adam, 1 thread, CPU time, ms/epoch")
        for workload in WORKLOADS:
            res = with_callbacks(workload, args.rounds, args.quick)
            med = {k: float(np.median(v)) for k, v in res["times"].items()}
            none = med["none"]
            print(f"   {workload} ({res['epochs']} epochs):")
            for key, value in med.items():
                print(
                    f"     {key:17s} {value * 1e3:8.3f}  "
                    f"(+{(value - none) * 1e3:7.3f}, x{value / none:.3f})"
                )
            scoring = float(np.median(res["scoring"]))
            extra = med["ScoringMonitor"] - none
            print(
                f"     scoring alone     {scoring * 1e3:8.3f}  "
                f"ScoringMonitor overhead / scoring alone: {extra / scoring:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
