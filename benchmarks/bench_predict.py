"""Prediction speed against scikit-learn's MLP: same weights, interleaved, all sizes.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_predict.py [--loaded] [--repeats 5] \\
        [--out benchmarks/results/NAME.txt]

For a small (digits, (100,)) and a medium (100 features, (256, 256), 10
classes) classifier, in float64 and float32, scikit-learn's ``MLPClassifier``
is fitted and skffnn's ``FFNClassifier`` is given its weights (the two
agree on every prediction; checked before timing). Then ``predict``,
``predict_proba``, ``exact_log_proba`` (against scikit-learn's
``predict_log_proba``, its nearest method) and ``score`` are timed on 1, 10,
100, 1k, 10k and 100k rows, the two libraries in turns within each round
(which cancels the machine's drifts and other processes' load), with the
default BLAS threads; each figure is the best of ``--repeats`` rounds (the
median with ``--loaded``), and the table gives skffnn's time over
scikit-learn's. scikit-learn's
``validate_data`` alone, on one row, is timed in the same run: at one row it
is most of scikit-learn's prediction time.

``--loaded`` runs the same table while a busy process that this benchmark
starts (pinned to one core, and ending by itself after ``--busy-limit``
seconds at the latest) takes that core, as a search with ``n_jobs``, a
notebook or a browser would; it is stopped when the timing ends. Each cell
is then the median of the rounds, not the best: the disturbance is what is
measured, and the best round of a loaded run is the one that escaped it
(two BLAS threads sometimes find both cores free for a whole round).

``--profile`` prints instead where a 1-row ``predict_proba`` of the small
model spends its time, phase by phase; ``--floor --models medium --dtypes
float64 --sizes 1000`` what one model's ``predict_proba`` cannot avoid: its
matrix products, and the bias adds and ReLUs both libraries make.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

SIZES = (1, 10, 100, 1_000, 10_000, 100_000)
# (our method, scikit-learn's counterpart)
METHODS = (
    ("predict", "predict"),
    ("predict_proba", "predict_proba"),
    ("exact_log_proba", "predict_log_proba"),
    ("score", "score"),
)
MODELS = ("small", "medium")
DTYPES = ("float64", "float32")
# Each timed sample repeats a call until it takes about this long; with
# --loaded, LOADED_SAMPLE_SECONDS: OpenBLAS's threads spin for a tenth of a
# second after a library's last product, so that a shorter sample measures the
# other library's thread state as much as its own (benchmarks/
# bench_loaded_worker.py); half a second of each is its own steady state.
SAMPLE_SECONDS = 0.02
LOADED_SAMPLE_SECONDS = 0.5


# --------------------------------------------------------------------------
# The models: scikit-learn's fit, skffnn given its weights
# --------------------------------------------------------------------------


def data(model: str, dtype: str):
    """(training X, y, hidden layer sizes) of a model, X in ``dtype``."""
    if model == "small":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        hidden = (100,)
    else:
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=4000, n_features=100, n_informative=40, n_classes=10,
            random_state=0,
        )  # fmt: skip
        hidden = (256, 256)
    return X.astype(dtype), y, hidden


def models(model: str, dtype: str):
    """(skffnn's classifier, scikit-learn's, rows to predict, their labels)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from skffnn import FFNClassifier

    X, y, hidden = data(model, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(hidden, max_iter=10, random_state=0).fit(X, y)
        ours = FFNClassifier(hidden, max_iter=1, random_state=0).fit(X, y)
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [b.copy() for b in theirs.intercepts_]
    rng = np.random.default_rng(0)
    rows = rng.integers(0, X.shape[0], max(SIZES))
    Xq = np.ascontiguousarray(X[rows])
    yq = y[rows]
    # The same model: the same labels, and probabilities to rounding.
    probe = Xq[:2000]
    assert np.array_equal(ours.predict(probe), theirs.predict(probe))
    np.testing.assert_allclose(
        ours.predict_proba(probe), theirs.predict_proba(probe), rtol=1e-4, atol=1e-6
    )
    return ours, theirs, Xq, yq


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


def _loop(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def interleaved(
    fns: list, repeats: int, statistic=min, sample_seconds=SAMPLE_SECONDS
) -> list[float]:
    """Seconds per call of each of ``fns``, timed in turns, round by round.

    ``statistic`` of the rounds: the best on a quiet machine (the least
    disturbed round); the median on a loaded one, where the disturbance is
    what is measured and the best round is the one that escaped it.
    """
    for fn in fns:  # warm up: caches, lazily built networks, page faults
        fn()
    calls = []
    for fn in fns:
        once = _loop(fn, 1)
        calls.append(max(1, int(sample_seconds / max(once, 1e-7))))
    rounds = [[] for _ in fns]
    for r in range(repeats):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            rounds[i].append(_loop(fns[i], calls[i]))
    return [float(statistic(times)) for times in rounds]


def _call(est, method: str, X, y):
    if method == "score":
        return lambda: est.score(X, y)
    bound = getattr(est, method)
    return lambda: bound(X)


def run(
    repeats: int,
    models_wanted=MODELS,
    dtypes=DTYPES,
    sizes=SIZES,
    statistic=min,
    sample_seconds=SAMPLE_SECONDS,
) -> dict:
    """Every cell's (ours, theirs) seconds per call, and validate_data's."""
    from sklearn.utils.validation import validate_data

    results = {}
    for model in models_wanted:
        for dtype in dtypes:
            ours, theirs, Xq, yq = models(model, dtype)
            h.log(f"{model} {dtype}: timing")
            x1 = np.ascontiguousarray(Xq[:1])

            def validate(est=theirs, x=x1):
                return validate_data(est, x, accept_sparse=["csr", "csc"], reset=False)

            (t_val,) = interleaved([validate], repeats, statistic, sample_seconds)
            results[(model, dtype, "validate_data")] = t_val
            for n in sizes:
                Xn, yn = np.ascontiguousarray(Xq[:n]), yq[:n]
                for ours_m, their_m in METHODS:
                    t_ours, t_theirs = interleaved(
                        [_call(ours, ours_m, Xn, yn), _call(theirs, their_m, Xn, yn)],
                        repeats,
                        statistic,
                        sample_seconds,
                    )
                    results[(model, dtype, ours_m, n)] = (t_ours, t_theirs)
    return results


@contextlib.contextmanager
def busy_core(limit: float):
    """A process spinning on core 0 for at most ``limit`` seconds, stopped on exit."""
    code = (
        "import os, time\n"
        "if hasattr(os, 'sched_setaffinity'): os.sched_setaffinity(0, {0})\n"
        f"end = time.monotonic() + {float(limit)}\n"
        "while time.monotonic() < end: pass\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(0.5)  # let it start spinning
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)


def format_tables(results: dict, sizes=SIZES) -> str:
    lines = []
    keys = sorted({k[:2] for k in results}, key=lambda k: (MODELS.index(k[0]), k[1]))
    header = "| model, dtype | method | " + " | ".join(_size(n) for n in sizes) + " |"
    lines += [header, "|" + "---|" * (len(sizes) + 2)]
    worst = 0.0
    for model, dtype in keys:
        for ours_m, their_m in METHODS:
            cells = []
            for n in sizes:
                t_ours, t_theirs = results[(model, dtype, ours_m, n)]
                ratio = t_ours / t_theirs
                worst = max(worst, ratio)
                cells.append(f"{ratio:.2f}")
            name = ours_m if ours_m == their_m else f"{ours_m} (vs {their_m})"
            lines.append(f"| {model}, {dtype} | {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Worst ratio: {worst:.2f}")
    if 1 not in sizes:
        return "\n".join(lines)
    lines.append("")
    lines.append("One row, microseconds per call (skffnn / scikit-learn):")
    lines.append("")
    lines.append(
        "| model, dtype | predict | predict_proba | exact_log_proba (vs "
        "predict_log_proba) | score | sklearn validate_data alone |"
    )
    lines.append("|---|---|---|---|---|---|")
    for model, dtype in keys:
        cells = []
        for ours_m, _ in METHODS:
            t_ours, t_theirs = results[(model, dtype, ours_m, 1)]
            cells.append(f"{t_ours * 1e6:.0f} / {t_theirs * 1e6:.0f}")
        val = results[(model, dtype, "validate_data")] * 1e6
        lines.append(f"| {model}, {dtype} | " + " | ".join(cells) + f" | {val:.0f} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Profile of one row
# --------------------------------------------------------------------------


def profile_one_row(repeats: int = 7) -> list[tuple[str, float]]:
    """Microseconds of each phase of a 1-row ``predict_proba`` (small model)."""
    from sklearn.utils.validation import validate_data

    from skffnn import _dask

    ours, theirs, Xq, _ = models("small", "float64")
    x1 = np.ascontiguousarray(Xq[:1])
    coefs, intercepts = ours.coefs_, ours.intercepts_
    net = ours._fitted_network(np.dtype(np.float64))
    z = net.forward_layers(coefs, intercepts, x1)
    head = ours._fitted_head()
    phases = [
        ("dask dispatch", lambda: _dask.is_dask_collection(x1)),
        ("validation", lambda: ours._validate_predict_data(x1)),
        ("network (cached)", lambda: ours._fitted_network(np.dtype(np.float64))),
        ("forward pass", lambda: net.forward_layers(coefs, intercepts, x1)),
        ("head (softmax)", lambda: head.proba(z)),
        ("whole predict_proba", lambda: ours.predict_proba(x1)),
        ("scikit-learn predict_proba", lambda: theirs.predict_proba(x1)),
        (
            "scikit-learn validate_data alone",
            lambda: validate_data(
                theirs, x1, accept_sparse=["csr", "csc"], reset=False
            ),
        ),
    ]
    times = interleaved([fn for _, fn in phases], repeats)
    return [(name, t * 1e6) for (name, _), t in zip(phases, times)]


def floor(model: str, dtype: str, n: int, repeats: int = 9) -> list[tuple[str, float]]:
    """Microseconds of ``predict_proba`` on ``n`` rows against what it cannot avoid.

    The network's matrix products alone, then with the bias adds and the
    ReLUs (the passes both libraries make), into buffers allocated once;
    then skffnn's and scikit-learn's ``predict_proba``; interleaved.
    """
    ours, theirs, Xq, _ = models(model, dtype)
    X = np.ascontiguousarray(Xq[:n])
    Ws, bs = ours.coefs_, ours.intercepts_
    outs = [np.empty((n, W.shape[1]), X.dtype) for W in Ws]

    def products():
        a = X
        for W, out in zip(Ws, outs):
            a = np.matmul(a, W, out=out)

    def passes():
        a = X
        for i, (W, b, out) in enumerate(zip(Ws, bs, outs)):
            a = np.matmul(a, W, out=out)
            a += b
            if i < len(Ws) - 1:
                np.maximum(a, 0, out=a)

    phases = [
        ("matrix products alone", products),
        ("products, bias adds and ReLUs", passes),
        ("skffnn predict_proba", lambda: ours.predict_proba(X)),
        ("scikit-learn predict_proba", lambda: theirs.predict_proba(X)),
    ]
    times = interleaved([fn for _, fn in phases], repeats)
    return [(name, t * 1e6) for (name, _), t in zip(phases, times)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--loaded", action="store_true", help="time while a busy process takes one core"
    )
    parser.add_argument(
        "--busy-limit",
        type=float,
        default=1800.0,
        help="seconds after which the busy process ends by itself",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument(
        "--profile",
        action="store_true",
        help="phases of a 1-row predict_proba instead of the table",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="predict_proba of the first --models/--dtypes at the first --sizes "
        "against its matrix products and passes alone, instead of the table",
    )
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)  # fmt: skip

    env = h.environment(h.load_libraries(["skffnn", "sklearn"]))
    command = "python benchmarks/bench_predict.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    state = (
        "loaded: a busy process on one core; each cell the median of the rounds"
        f" of {LOADED_SAMPLE_SECONDS} s samples"
        if args.loaded
        else "quiet; each cell the best of the rounds"
    )
    lines = [
        f"command   : {command}",
        f"machine   : {state}",
        h.format_environment(env),
    ]
    with busy_core(args.busy_limit) if args.loaded else contextlib.nullcontext():
        start = h.cpu_snapshot()
        if args.profile:
            body = "\n".join(f"{k:34s} {v:8.1f} us" for k, v in profile_one_row())
        elif args.floor:
            model, dtype, n = args.models[0], args.dtypes[0], args.sizes[0]
            rows = floor(model, dtype, n, args.repeats)
            body = f"{model} {dtype}, {n} rows, best of {args.repeats}:\n" + "\n".join(
                f"{k:34s} {v:9.1f} us" for k, v in rows
            )
        else:
            results = run(
                args.repeats,
                args.models,
                args.dtypes,
                tuple(args.sizes),
                np.median if args.loaded else min,
                LOADED_SAMPLE_SECONDS if args.loaded else SAMPLE_SECONDS,
            )
            body = format_tables(results, tuple(args.sizes))
        share = h.others_share(start, h.cpu_snapshot())
    lines.append(f"others    : {share:.2f} of the machine's CPU went to other "
                 "processes during the run (the busy process included)")  # fmt: skip
    report = "\n".join(lines) + "\n\n" + body + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
