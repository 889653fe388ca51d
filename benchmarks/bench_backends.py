"""NumPy against the array API backends: fit per epoch and predict_proba, as ratios.

Run from the repository root. It needs numpy, scipy, scikit-learn (>= 1.9)
and torch, and CuPy where present; nothing else, and no install of skffnn:
the checkout goes on ``PYTHONPATH`` (tests/test_benchmarks.py runs it so,
with every other package hidden)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. SCIPY_ARRAY_API=1 \\
        python benchmarks/bench_backends.py [--repeats 3] [--quick] \\
        [--threads N]

Workloads: small (digits-sized: 1,797 x 64, (100,), batch 200), medium
(20,000 x 100, (256, 256), batch 256), large (20,000 x 200, (512, 256),
batch 512), each timed as seconds per adam epoch (the mean of a few epochs
after a warm-up epoch); lbfgs per iteration (10,000 x 50, (64,)); and
``predict_proba`` on 100,000 rows of the medium model. Backends: NumPy
(dispatch off), torch on the CPU, and, where present, torch on CUDA and
CuPy (dispatch on). Each figure is the best of ``--repeats`` rounds, the
backends in turns within a round; the table gives each backend's time and
NumPy's time over it (above 1: faster than NumPy). Device work is
synchronised before a clock is read.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import time
import warnings

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

import numpy as np
import sklearn
from threadpoolctl import threadpool_info, threadpool_limits

from skffnn import FFNClassifier

WORKLOADS = {
    # name: (n_samples, n_features, n_classes, hidden, batch, solver, epochs)
    "small": (1797, 64, 10, (100,), 200, "adam", 5),
    "medium": (20000, 100, 10, (256, 256), 256, "adam", 3),
    "large": (20000, 200, 10, (512, 256), 512, "adam", 2),
    "lbfgs": (10000, 50, 2, (64,), None, "lbfgs", 20),
}


def _try(name):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def backends():
    """``(label, to_device, sync)`` of every backend present on this machine."""
    found = [("numpy", None, lambda: None)]
    torch = _try("torch")
    if torch is not None:
        found.append(("torch cpu", lambda a: torch.asarray(a), lambda: None))
        if torch.cuda.is_available():
            found.append((
                "torch cuda",
                lambda a: torch.asarray(a, device="cuda"),
                torch.cuda.synchronize,
            ))  # fmt: skip
    cupy = _try("cupy")
    if cupy is not None:
        try:
            cupy.cuda.runtime.getDeviceCount()
            found.append((
                "cupy", cupy.asarray,
                lambda: cupy.cuda.Stream.null.synchronize(),
            ))  # fmt: skip
        except Exception:
            pass
    return found


def _versions() -> str:
    """The versions of the libraries the table compares."""
    names = ["numpy", "scipy", "sklearn", "torch", "cupy"]
    found = [(n, _try(n)) for n in names]
    return ", ".join(f"{n} {m.__version__}" for n, m in found if m is not None)


def _gpus() -> list[str]:
    """The CUDA devices torch sees (the timed one is the first)."""
    torch = _try("torch")
    if torch is None or not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


def data(n, p, k, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p)).astype(dtype)
    W = rng.normal(size=(p, k))
    y = np.argmax(X @ W + rng.normal(size=(n, k)), axis=1)
    return X, y


def fit_seconds(name, backend, dtype) -> float:
    """Seconds per epoch (adam) or per iteration (lbfgs) of one fit."""
    _label, move, sync = backend
    n, p, k, hidden, batch, solver, steps = WORKLOADS[name]
    X, y = data(n, p, k, dtype)
    params = dict(hidden_layer_sizes=hidden, solver=solver, random_state=0, tol=0.0,
                  n_iter_no_change=10**6)  # fmt: skip
    if batch is not None:
        params["batch_size"] = batch
    Xd, yd = (X, y) if move is None else (move(X), move(y))
    with sklearn.config_context(array_api_dispatch=move is not None):
        # a warm-up (allocations, kernels), then the timed run
        FFNClassifier(**params, max_iter=1).fit(Xd, yd)
        sync()
        est = FFNClassifier(**params, max_iter=steps)
        start = time.perf_counter()
        est.fit(Xd, yd)
        sync()
        elapsed = time.perf_counter() - start
    return elapsed / max(est.n_iter_, 1)


def predict_seconds(backend, dtype, model_cache) -> float:
    """Seconds for predict_proba on 100,000 rows of the medium model."""
    _label, move, sync = backend
    _, p, k, hidden, *_ = WORKLOADS["medium"]
    if dtype not in model_cache:
        X, y = data(2000, p, k, dtype)
        model_cache[dtype] = FFNClassifier(hidden, max_iter=2, random_state=0).fit(X, y)
    ref = model_cache[dtype]
    Xq, _ = data(100_000, p, k, dtype, seed=1)
    est = ref
    if move is not None:
        from skffnn.utils import to_numpy

        est = to_numpy(ref)
        est.coefs_ = [move(c) for c in est.coefs_]
        est.intercepts_ = [move(b) for b in est.intercepts_]
        Xq = move(Xq)
    with sklearn.config_context(array_api_dispatch=move is not None):
        est.predict_proba(Xq)  # warm-up
        sync()
        start = time.perf_counter()
        est.predict_proba(Xq)
        sync()
        return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument(
        "--quick", action="store_true", help="small and lbfgs only (a smoke run)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU threads of both NumPy's BLAS and torch (0: each library's "
        "default); on a loaded machine both libraries' threads spin against "
        "other processes, and 1 compares the kernels themselves",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    torch = _try("torch")
    limits = contextlib.nullcontext()
    if args.threads:
        limits = threadpool_limits(args.threads, user_api="blas")
        if torch is not None:
            torch.set_num_threads(args.threads)
    with limits:
        return _run(args, torch)


def _run(args, torch) -> int:
    dtype = np.dtype(args.dtype)
    found = backends()
    blas = sorted({f"{i['internal_api']} {i.get('architecture')}" for i in
                   threadpool_info() if i["user_api"] == "blas"})  # fmt: skip
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores;"
          f" BLAS: {', '.join(blas)}; dtype {dtype}")  # fmt: skip
    threads = f"; torch CPU threads {torch.get_num_threads()}" if torch else ""
    threads += f"; BLAS threads limit {args.threads or 'none'}"
    print(f"# backends: {', '.join(b[0] for b in found)}{threads}")
    print(f"# {_versions()}")
    for gpu in _gpus():
        print(f"# GPU: {gpu}")
    rows = ["small", "lbfgs"] if args.quick else [*WORKLOADS]
    best: dict[tuple, float] = {}
    cache: dict = {}
    for _ in range(args.repeats):
        for row in [*rows, "predict_proba 100k"]:
            for backend in found:  # backends in turns within a round
                if row == "predict_proba 100k":
                    t = predict_seconds(backend, dtype, cache)
                else:
                    t = fit_seconds(row, backend, dtype)
                key = (row, backend[0])
                best[key] = min(best.get(key, np.inf), t)
    unit = {"lbfgs": "s/iteration", "predict_proba 100k": "s/call"}
    header = ["workload", "unit"] + [f"{b[0]}" for b in found]
    header += [f"numpy/{b[0]}" for b in found[1:]]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in [*rows, "predict_proba 100k"]:
        base = best[(row, "numpy")]
        cells = [row, unit.get(row, "s/epoch")]
        cells += [f"{best[(row, b[0])]:.4g}" for b in found]
        cells += [f"{base / best[(row, b[0])]:.2f}x" for b in found[1:]]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
