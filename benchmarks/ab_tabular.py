"""A/B of the Tabular estimators: the working tree against an earlier revision.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 \\
        python benchmarks/ab_tabular.py --base HEAD~1 [--rounds 6] [--max-iter 128]

Two questions, in one process (the base revision is exported as
``skffnn_base``, as ``ab_fit.py`` does):

- **Do the NumPy results move?** Both versions fit ``TabularFFNClassifier``
  / ``TabularFFNRegressor`` at their defaults (``random_state=0``) on digits,
  a ``make_classification`` and a ``make_regression`` set and diabetes; the
  table gives the largest relative difference of the predictions (float64),
  whether the predicted classes and the restored epoch are the same, and the
  largest relative difference of ``loss_curve_``.
- **Is the fit as fast?** A default ``TabularFFNClassifier`` fit on digits,
  the two versions in turns (the order alternating), after one untimed fit
  each, on one BLAS thread; the figure is the median over rounds of new CPU
  time / base CPU time (CPU time: robust to other processes on a shared
  machine), with the ratio of the fastest.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    make_classification,
    make_regression,
)
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ab_fit import export_base


def datasets():
    """name -> (X, y, task): the parity check's four datasets."""
    X, y = make_classification(1500, 20, n_informative=8, n_classes=3, random_state=0)
    Xr, yr = make_regression(1200, 15, noise=5, random_state=0)
    return {
        "digits": (*load_digits(return_X_y=True), "clf"),
        "make_classification": (X, y, "clf"),
        "make_regression": (Xr, yr, "reg"),
        "diabetes": (*load_diabetes(return_X_y=True), "reg"),
    }


def _relative(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300), initial=0.0))


def parity(base_pkg, new_pkg, max_iter):
    """One row per dataset: how far the new fit's results are from the base's."""
    rows = []
    for name, (X, y, task) in datasets().items():
        fits = {}
        for key, pkg in (("base", base_pkg), ("new", new_pkg)):
            cls = "TabularFFNClassifier" if task == "clf" else "TabularFFNRegressor"
            est = getattr(pkg, cls)(max_iter=max_iter, random_state=0).fit(X, y)
            out = est.predict_proba(X) if task == "clf" else est.predict(X)
            fits[key] = (est, out, est.predict(X))
        (b, b_out, b_pred), (n, n_out, n_pred) = fits["base"], fits["new"]
        rows.append(
            (
                name,
                _relative(b_out, n_out),
                bool(np.array_equal(b_pred, n_pred)) if task == "clf" else None,
                b.best_epoch_ == n.best_epoch_,
                _relative(b.loss_curve_, n.loss_curve_),
            )
        )
    return rows


def timing(base_pkg, new_pkg, rounds, max_iter):
    """CPU seconds per default classifier fit on digits, by version, in turns."""
    X, y = load_digits(return_X_y=True)
    versions = {"base": base_pkg, "new": new_pkg}
    times = {k: [] for k in versions}
    with threadpool_limits(1):
        for pkg in versions.values():  # untimed: imports, caches
            pkg.TabularFFNClassifier(max_iter=2, random_state=0).fit(X, y)
        for r in range(rounds):
            for key in ("base", "new") if r % 2 == 0 else ("new", "base"):
                est = versions[key].TabularFFNClassifier(
                    max_iter=max_iter, random_state=0
                )
                start = time.process_time()
                est.fit(X, y)
                times[key].append(time.process_time() - start)
    return times


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="HEAD", help="git revision to compare with")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument(
        "--max-iter", type=int, default=128, help="epochs (default: the estimators')"
    )
    args = p.parse_args(argv)
    import skffnn

    with tempfile.TemporaryDirectory() as tmp:
        export_base(args.base, Path(tmp))
        sys.path.insert(0, tmp)
        # A base imported earlier in this process (ab_fit.py) came from another
        # directory: forget it, so that this revision's is imported.
        for name in [m for m in sys.modules if m.split(".")[0] == "skffnn_base"]:
            del sys.modules[name]
        try:
            base_pkg = importlib.import_module("skffnn_base")
            rows = parity(base_pkg, skffnn, args.max_iter)
            times = timing(base_pkg, skffnn, args.rounds, args.max_iter)
        finally:
            sys.path.remove(tmp)
    print(f"Tabular estimators, max_iter={args.max_iter}, base {args.base}:")
    header = ("dataset", "max rel diff", "classes", "epoch", "loss_curve_")
    print("  {:20s} {:>12s} {:>8s} {:>6s} {:>11s}".format(*header))
    for name, rel, same, epoch, loss in rows:
        classes = "-" if same is None else ("same" if same else "DIFFER")
        print(
            f"  {name:20s} {rel:12.3g} {classes:>8s} "
            f"{'same' if epoch else 'DIFFER':>6s} {loss:11.3g}"
        )
    ratios = np.array(times["new"]) / np.array(times["base"])
    for key, values in times.items():
        print(
            f"  {key:4s} fit on digits: median {np.median(values):.3g} CPU s, "
            f"min {min(values):.3g} CPU s"
        )
    print(
        f"  new / base: {np.median(ratios):.3f} (median of rounds: "
        + ", ".join(f"{r:.3f}" for r in ratios)
        + f"); fastest / fastest: {min(times['new']) / min(times['base']):.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
