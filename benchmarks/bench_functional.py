"""Time skffnn.functional's elementwise functions against SciPy/NumPy.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_functional.py [--n 1000000] [--repeat 9] \\
        [--json PATH]

Each skffnn function and its reference are timed on the same input in one
run, interleaved (reference, skffnn, reference, ...) so that both see the
same machine load; the table reports the median of ``--repeat`` runs after a
warm-up, the ratio ``skffnn / reference`` of those medians (the target is
<= 1.5 for float64), and the median of the ratios of back-to-back pairs
("pairs"), which is steadier on a busy machine.  The input is ``N(0, 10**2)``
values: both signs, mostly in the range where every branch of the formulas
is exercised.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
import scipy.special

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skffnn import functional as F

# (name, skffnn function, reference name, reference function)
CASES: list[tuple[str, Callable, str, Callable]] = [
    ("identity", F.identity, "np.copy", np.copy),
    ("sigmoid", F.sigmoid, "scipy.special.expit", scipy.special.expit),
    (
        "log_sigmoid",
        F.log_sigmoid,
        "scipy.special.log_expit",
        scipy.special.log_expit,
    ),
    ("softplus", F.softplus, "np.logaddexp(0, x)", lambda x: np.logaddexp(0, x)),
    ("tanh", F.tanh, "np.tanh", np.tanh),
    ("relu", F.relu, "np.maximum(x, 0)", lambda x: np.maximum(x, 0)),
    ("sigmoid_grad", F.sigmoid_grad, "expit(x)*expit(-x)", None),
    ("tanh_grad", F.tanh_grad, "1 - np.tanh(x)**2", lambda x: 1 - np.tanh(x) ** 2),
]


def _expit_product(x: np.ndarray) -> np.ndarray:
    return scipy.special.expit(x) * scipy.special.expit(-x)


def _time_once(f: Callable, x: np.ndarray) -> float:
    start = time.perf_counter()
    f(x)
    return time.perf_counter() - start


def _machine_info() -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "machine": platform.machine(),
        "processor": platform.processor(),
    }
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # the optional "bench" extra
        info["threadpool_info"] = "threadpoolctl not installed"
    else:
        info["threadpool_info"] = [
            {
                key: pool.get(key)
                for key in ("internal_api", "version", "num_threads", "architecture")
            }
            for pool in threadpool_info()
        ]
    return info


def run(n: int, repeat: int, dtypes: list[str]) -> dict:
    rng = np.random.default_rng(0)
    rows = []
    for dtype in dtypes:
        x = (10.0 * rng.standard_normal(n)).astype(dtype)
        for name, func, ref_name, ref in CASES:
            ref = ref or _expit_product
            for f in (ref, func, ref, func):  # warm-up: caches, page faults
                f(x)
            t_ref, t_func = [], []
            for _ in range(repeat):
                t_ref.append(_time_once(ref, x))
                t_func.append(_time_once(func, x))
            ref_ms = 1e3 * statistics.median(t_ref)
            func_ms = 1e3 * statistics.median(t_func)
            # Each pair ran back to back, so its ratio is robust to load that
            # changes between repeats.
            pair_ratio = statistics.median(f / r for f, r in zip(t_func, t_ref))
            rows.append(
                {
                    "dtype": dtype,
                    "function": name,
                    "skffnn_ms": round(func_ms, 3),
                    "reference": ref_name,
                    "reference_ms": round(ref_ms, 3),
                    "ratio": round(func_ms / ref_ms, 3),
                    "pair_ratio": round(pair_ratio, 3),
                }
            )
    return {"n": n, "repeat": repeat, "machine": _machine_info(), "results": rows}


def print_table(report: dict) -> None:
    print(f"n = {report['n']}, median of {report['repeat']} interleaved runs")
    machine = report["machine"]
    print(
        f"python {machine['python']}, numpy {machine['numpy']}, "
        f"scipy {machine['scipy']}, {machine['machine']}"
    )
    pools = machine["threadpool_info"]
    if isinstance(pools, str):
        print(f"BLAS: {pools}")
    else:
        for pool in pools:
            print(
                f"threadpool: {pool['internal_api']} {pool['version']} "
                f"({pool['architecture']}, {pool['num_threads']} threads)"
            )
    header = (
        f"{'dtype':8} {'function':13} {'skffnn ms':>10} {'reference':22} "
        f"{'ref ms':>8} {'ratio':>6} {'pairs':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in report["results"]:
        print(
            f"{row['dtype']:8} {row['function']:13} {row['skffnn_ms']:10.2f} "
            f"{row['reference']:22} {row['reference_ms']:8.2f} {row['ratio']:6.2f} "
            f"{row['pair_ratio']:6.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6, help="values per array")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs (>= 7)")
    parser.add_argument(
        "--dtypes", nargs="+", default=["float64", "float32"], help="input dtypes"
    )
    parser.add_argument("--json", type=Path, help="also save the results here")
    args = parser.parse_args(argv)
    report = run(args.n, max(args.repeat, 7), args.dtypes)
    print_table(report)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved {args.json}")


if __name__ == "__main__":
    main()
