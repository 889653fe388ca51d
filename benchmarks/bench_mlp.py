"""Benchmark skffnn against scikit-learn's MLP and a plain PyTorch loop.

Run it with the BLAS core-type overrides removed, so OpenBLAS picks its own
kernel for this CPU (the header shows which one it took)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py

See benchmarks/README.md for the columns, the GEMM bound and the caveats.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
# the repository's skffnn (the working tree) wins over an installed copy
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]

import _harness as h  # noqa: E402  (a script: its helpers sit beside it)

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _scale(n: int, quick: bool, factor: int = 20) -> int:
    # --quick must stay under a minute with three libraries, two dtypes, two
    # thread settings and three repeats: 20x fewer rows, 60x for "large"
    return n // factor if quick else n


@functools.cache
def small_data(quick: bool):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    # pixels are 0..16; put them on a unit scale like the other workloads
    return X / 16.0, y


@functools.cache
def medium_and_inference_data(quick: bool):
    """One make_classification call, split into the medium training set and
    the 100,000 inference rows, so inference accuracy is held-out accuracy
    from the same distribution (a second call with another n_samples would
    draw different class covariances)."""
    from sklearn.datasets import make_classification

    n_train, n_infer = _scale(20_000, quick), _scale(100_000, quick)
    X, y = make_classification(
        n_samples=n_train + n_infer,
        n_features=100,
        n_informative=50,
        n_classes=10,
        random_state=0,
    )
    return (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:])


def medium_data(quick: bool):
    return medium_and_inference_data(quick)[0]


def inference_data(quick: bool):
    return medium_and_inference_data(quick)[1]


@functools.cache
def large_data(quick: bool):
    from sklearn.datasets import make_classification

    return make_classification(
        # 784 wide rows are costly: --quick shrinks this one further
        n_samples=_scale(60_000, quick, 60),
        n_features=784,
        n_informative=50,
        n_classes=10,
        random_state=0,
    )


@functools.cache
def reg_data(quick: bool):
    from sklearn.datasets import make_regression
    from sklearn.preprocessing import StandardScaler

    X, y = make_regression(
        n_samples=_scale(20_000, quick), n_features=100, random_state=0
    )
    # make_regression's targets are O(100): unscaled, SGD at lr 1e-3 diverges
    X = StandardScaler().fit_transform(X)
    y = StandardScaler().fit_transform(y.reshape(-1, 1)).ravel()
    return X, y


@functools.cache
def lbfgs_data(quick: bool):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=_scale(10_000, quick), n_features=50, random_state=0
    )


@functools.cache
def as_dtype(loader: Callable, quick: bool, dtype: str):
    X, y = loader(quick)
    return np.ascontiguousarray(X, dtype=dtype), y


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str  # "stochastic", "lbfgs" or "inference"
    task: str  # "clf" or "reg"
    loader: Callable
    hidden: tuple
    batch_size: int
    epochs: int
    quick_epochs: int
    solvers: tuple = ("sgd", "adam")
    note: str = ""

    def n_epochs(self, quick: bool) -> int:
        return self.quick_epochs if quick else self.epochs


WORKLOADS = {
    w.name: w
    for w in [
        Workload("small", "stochastic", "clf", small_data, (100,), 200, 50, 3,
                 note="digits 1,797x64: per-batch overhead bound"),
        Workload("medium", "stochastic", "clf", medium_data, (256, 256), 256, 10, 1,
                 note="make_classification 20,000x100, 10 classes"),
        Workload("large", "stochastic", "clf", large_data, (512, 256), 512, 3, 1,
                 note="make_classification 60,000x784, 10 classes: GEMM bound"),
        Workload("reg", "stochastic", "reg", reg_data, (256, 128), 256, 10, 1,
                 note="make_regression 20,000x100, scaled X and y"),
        Workload("lbfgs", "lbfgs", "clf", lbfgs_data, (100,), 0, 200, 10,
                 solvers=("lbfgs",), note="make_classification 10,000x50, binary"),
        Workload("inference", "inference", "clf", inference_data, (256, 256), 256,
                 10, 1, solvers=("predict_proba",),
                 note="predict_proba of the medium model (adam) on 100,000 rows"),
    ]
}  # fmt: skip

MEMORY_ROWS, MEMORY_COLS = 1_000_000, 512  # 2.05 GB of float32
WARM_UP_ROWS = 2_048  # enough rows for every class of every workload


def mlp_params(wl: Workload, solver: str, max_iter: int) -> dict:
    """sklearn's MLP constructor arguments, identical for every library.

    tol=0 and n_iter_no_change=max_iter switch off every stopping rule, so all
    libraries run exactly max_iter epochs (L-BFGS may still stop early on
    scipy's own ftol; its per-iteration figures are normalized).
    """
    return {
        "hidden_layer_sizes": wl.hidden,
        "activation": "relu",
        "solver": solver,
        "alpha": 1e-4,
        "batch_size": wl.batch_size or "auto",
        "learning_rate_init": 1e-3,
        "max_iter": max_iter,
        "shuffle": True,
        "random_state": 0,
        "tol": 0.0,
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "early_stopping": False,
        "n_iter_no_change": max_iter,
        "max_fun": 15_000,
    }


def layer_units(wl: Workload, X, y) -> list[int]:
    if wl.task == "reg":
        n_out = 1
    else:
        n_classes = len(np.unique(y))
        n_out = 1 if n_classes == 2 else n_classes  # sklearn's logistic output
    return [X.shape[1], *wl.hidden, n_out]


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


@dataclass
class Context:
    libs: list
    repeats: int
    quick: bool
    fitted: dict  # (dtype, library) -> medium adam model, reused by inference
    clock: str = "wall"
    threads: int = 0
    thread_settings: tuple = (1,)


def interleave(libs, repeats, run_one, run_gemm):
    """One warm-up per library, then repeats interleaved A1 B1 G1 B2 A2 G2...

    Interleaving (and rotating the order every repeat) spreads slow phases of
    the machine over all libraries instead of charging one of them. Returns
    each library's Timings, each library's per-repeat extra info and the
    GEMM-bound Timings.
    """
    for lib in libs:
        run_one(lib, warm_up=True)
    run_gemm()
    times = {lib.name: [] for lib in libs}
    infos = {lib.name: [] for lib in libs}
    gemm = []
    for rep in range(repeats):
        shift = rep % len(libs)
        for lib in libs[shift:] + libs[:shift]:
            seconds, info = run_one(lib, warm_up=False)
            times[lib.name].append(seconds)
            infos[lib.name].append(info)
        gemm.append(run_gemm())
    return times, infos, gemm


def base_row(ctx, wl, solver, dtype, lib, timings, sk_median):
    """Statistics of one library's repeats on ``ctx.clock`` (both kept raw)."""
    stats = h.summarize([t.get(ctx.clock) for t in timings])
    return {
        "workload": wl.name,
        "solver": solver,
        "dtype": dtype,
        "library": lib,
        "clock": ctx.clock,
        "wall_times": [t.wall for t in timings],
        "cpu_times": [t.cpu for t in timings],
        **stats,
        "spread": f"{stats['min']:.4g}..{stats['max']:.4g}",
        "vs_sklearn": stats["median"] / sk_median if sk_median else None,
    }


def _median(ctx, timings) -> float:
    return h.summarize([t.get(ctx.clock) for t in timings])["median"]


def _sklearn_median(ctx, times):
    return _median(ctx, times["sklearn"]) if "sklearn" in times else None


def run_stochastic(ctx: Context, wl: Workload, solver: str, dtype: str) -> list[dict]:
    X, y = as_dtype(wl.loader, ctx.quick, dtype)
    units = layer_units(wl, X, y)
    epochs = wl.n_epochs(ctx.quick)
    plan = h.batch_plan(len(X), wl.batch_size)
    gemm = h.GemmBound(units, plan, dtype)
    floor = h.StepFloor(gemm, h.UpdateBound(units, len(plan), dtype, solver))

    def run_one(lib, warm_up):
        if warm_up:
            # first-call costs (imports, thread pools, torch's lazy init) are
            # paid by one epoch on a slice; a full epoch of "large" is seconds
            params = mlp_params(wl, solver, 1)
            h.timed_fit(lib, wl.task, params, X[:WARM_UP_ROWS], y[:WARM_UP_ROWS])
            return None, None
        seconds, est = h.timed_fit(lib, wl.task, mlp_params(wl, solver, epochs), X, y)
        return seconds / est.n_iter_, est

    def run_bounds():
        return gemm.time_epoch(), floor.time_epoch()

    times, models, bounds = interleave(ctx.libs, ctx.repeats, run_one, run_bounds)
    gemm_s = _median(ctx, [g for g, _ in bounds])
    floor_s = _median(ctx, [f for _, f in bounds])
    flops = h.train_flops(len(X), units)
    sk = _sklearn_median(ctx, times)
    rows = []
    for lib in ctx.libs:
        est = models[lib.name][-1]
        row = base_row(ctx, wl, solver, dtype, lib.name, times[lib.name], sk)
        row.update(h.quality(est, wl.task, X, y))
        row.update(epochs=est.n_iter_, gflops=flops / row["median"] / 1e9)
        row.update(gemm=gemm_s, gemm_frac=gemm_s / row["median"])
        row.update(floor=floor_s, floor_frac=floor_s / row["median"])
        rows.append(row)
        if wl.name == "medium" and solver == "adam":
            ctx.fitted[(dtype, lib.name)] = est
    return rows


def run_lbfgs(ctx: Context, wl: Workload, solver: str, dtype: str) -> list[dict]:
    X, y = as_dtype(wl.loader, ctx.quick, dtype)
    units = layer_units(wl, X, y)
    libs = [lib for lib in ctx.libs if lib.supports_lbfgs]
    # one function evaluation is one full-batch forward + backward pass
    gemm = h.GemmBound(units, [len(X)], dtype)

    def run_one(lib, warm_up):
        params = mlp_params(wl, "lbfgs", 5 if warm_up else wl.n_epochs(ctx.quick))
        with h.count_lbfgs() as record:
            seconds, est = h.timed_fit(lib, wl.task, params, X, y)
        nfev = record["nfev"]
        per_fev = seconds.get(ctx.clock) / nfev if nfev else None
        return seconds / est.n_iter_, (est, per_fev, nfev)

    times, infos, gemm_t = interleave(libs, ctx.repeats, run_one, gemm.time_epoch)
    gemm_s = _median(ctx, gemm_t)
    flops = h.train_flops(len(X), units)
    sk = _sklearn_median(ctx, times)
    rows = []
    for lib in libs:
        est, _, nfev = infos[lib.name][-1]
        row = base_row(ctx, wl, "lbfgs", dtype, lib.name, times[lib.name], sk)
        row.update(h.quality(est, wl.task, X, y))
        row.update(epochs=est.n_iter_, nfev=nfev, gemm=gemm_s)
        per_fev = [info[1] for info in infos[lib.name] if info[1]]
        if per_fev:
            # per function evaluation: the unit the GEMM bound measures
            fev = h.summarize(per_fev)["median"]
            row.update(per_fev=fev, per_fev_times=per_fev)
            row.update(gflops=flops / fev / 1e9, gemm_frac=gemm_s / fev)
        rows.append(row)
    return rows


def medium_model(ctx: Context, lib, dtype: str):
    """The medium workload's adam model, fitted here if that workload was
    not part of this run (the fit itself is not timed)."""
    if (dtype, lib.name) not in ctx.fitted:
        medium = WORKLOADS["medium"]
        X, y = as_dtype(medium.loader, ctx.quick, dtype)
        params = mlp_params(medium, "adam", medium.n_epochs(ctx.quick))
        ctx.fitted[(dtype, lib.name)] = h.timed_fit(lib, "clf", params, X, y)[1]
    return ctx.fitted[(dtype, lib.name)]


def run_inference(ctx: Context, wl: Workload, solver: str, dtype: str) -> list[dict]:
    X, y = as_dtype(wl.loader, ctx.quick, dtype)
    units = layer_units(wl, X, y)
    models = {lib.name: medium_model(ctx, lib, dtype) for lib in ctx.libs}
    # sklearn predicts all rows in one batch; so does the bound
    gemm = h.GemmBound(units, [len(X)], dtype, forward_only=True)

    def run_one(lib, warm_up):
        clock = h.Stopwatch()
        models[lib.name].predict_proba(X)
        return clock.read(), None

    times, _, gemm_t = interleave(ctx.libs, ctx.repeats, run_one, gemm.time_epoch)
    gemm_s = _median(ctx, gemm_t)
    flops = h.forward_flops(len(X), units)
    sk = _sklearn_median(ctx, times)
    rows = []
    for lib in ctx.libs:
        row = base_row(ctx, wl, solver, dtype, lib.name, times[lib.name], sk)
        row.update(h.quality(models[lib.name], "clf", X, y))
        row.update(n_rows=len(X), gflops=flops / row["median"] / 1e9)
        row.update(gemm=gemm_s, gemm_frac=gemm_s / row["median"])
        rows.append(row)
    return rows


RUNNERS = {"stochastic": run_stochastic, "lbfgs": run_lbfgs, "inference": run_inference}


# --------------------------------------------------------------------------
# Peak memory (one subprocess per library)
# --------------------------------------------------------------------------


def _status_bytes(field: str) -> int:
    """VmRSS / VmHWM of this process: the memory of *this* exec'd image only."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def memory_child(lib_name: str, rows: int, cols: int, threads: int) -> None:
    """Fit one sgd epoch on a float32 X of rows x cols; print JSON facts.

    A small warm-up fit first faults in the library's code pages (torch's
    are hundreds of MB) so that they count as runtime, not as the fit's
    memory. X is drawn directly in float32 (no float64 temporary).
    """
    (lib,) = h.load_libraries([lib_name])
    wl = Workload("memory", "stochastic", "clf", None, (64,), 256, 1, 1)
    params = mlp_params(wl, "sgd", 1)
    rng = np.random.default_rng(0)
    with h.thread_limit(threads):
        small = rng.standard_normal((512, cols), dtype=np.float32)
        h.timed_fit(lib, "clf", params, small, rng.integers(0, 10, 512))
        del small
        runtime = _status_bytes("VmRSS")
        X = rng.standard_normal((rows, cols), dtype=np.float32)
        y = rng.integers(0, 10, rows)
        before_fit = _status_bytes("VmHWM")
        timing, _ = h.timed_fit(lib, "clf", params, X, y)
    facts = {"x_bytes": X.nbytes, "runtime": runtime, "before_fit": before_fit}
    facts.update(fit_s=timing.wall, vm_hwm=_status_bytes("VmHWM"))
    print(json.dumps(facts))


# Runs the memory child and reports RUSAGE_CHILDREN. The hop through this
# small launcher matters: a child's ru_maxrss starts at its parent's RSS at
# fork/exec time (Linux carries the high-water mark across exec), so children
# spawned straight from the benchmark (torch and data loaded: ~0.6 GB) would
# all report at least that. One child per launcher also avoids
# RUSAGE_CHILDREN's max-over-all-children hiding a smaller later child.
_LAUNCHER = """
import json, resource, subprocess, sys
run = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"rc": run.returncode, "peak": peak, "out": run.stdout}))
"""


def run_memory(ctx: Context) -> list[dict]:
    rows, cols = _scale(MEMORY_ROWS, ctx.quick), MEMORY_COLS
    results = []
    for lib in ctx.libs:
        child = [sys.executable, os.path.abspath(__file__), "--memory-child"]
        child += [lib.name, "--memory-shape", f"{rows}x{cols}"]
        # threads change no buffer sizes; the fewest keeps a busy host fast
        child += ["--threads", str(min(ctx.thread_settings))]
        launcher = [sys.executable, "-c", _LAUNCHER, *child]
        done = subprocess.run(launcher, stdout=subprocess.PIPE, text=True)
        report = json.loads(done.stdout)
        if report["rc"]:
            h.log(f"memory child for {lib.name} failed ({report['rc']})")
            continue
        results.append(memory_row(lib.name, report, min(ctx.thread_settings)))
        h.log(f"memory {lib.name}: peak {report['peak'] / 2**20:.0f} MiB")
    return results


def memory_row(name: str, report: dict, threads: int) -> dict:
    facts = json.loads(report["out"].strip().splitlines()[-1])
    peak, x_bytes = report["peak"], facts["x_bytes"]
    return {
        "workload": "memory",
        "library": name,
        "threads": threads,
        "x_gb": x_bytes / 1e9,
        "peak_mb": peak / 2**20,
        "vm_hwm_mb": facts["vm_hwm"] / 2**20,
        "runtime_mb": facts["runtime"] / 2**20,
        "extra_mb": (peak - x_bytes) / 2**20,
        "fit_extra_mb": (peak - facts["before_fit"]) / 2**20,
        "fit_s": facts["fit_s"],
    }


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

C = h.Column
KEY = [
    C("thr", "threads"),
    C("workload", "workload", align="<"),
    C("solver", "solver", align="<"),
    C("dtype", "dtype", align="<"),
    C("library", "library", align="<"),
]
QUALITY = [C("loss", "loss", "{:.4f}"), C("acc/R²", "score", "{:.4f}")]
TABLES = {
    "stochastic": [
        *KEY,
        C("s/epoch", "median", "{:.4g}"),
        C("min..max", "spread"),
        C("/sklearn", "vs_sklearn", "{:.2f}"),
        C("GFLOP/s", "gflops", "{:.1f}"),
        C("GEMM s/ep", "gemm", "{:.4g}"),
        C("GEMM frac", "gemm_frac", "{:.2f}"),
        C("+upd s/ep", "floor", "{:.4g}"),
        C("+upd frac", "floor_frac", "{:.2f}"),
        *QUALITY,
        C("epochs", "epochs"),
        C("others%", "others", "{:.0f}"),
    ],
    "lbfgs": [
        *KEY,
        C("s/iter", "median", "{:.4g}"),
        C("min..max", "spread"),
        C("/sklearn", "vs_sklearn", "{:.2f}"),
        C("iters", "epochs"),
        C("fevals", "nfev"),
        C("s/feval", "per_fev", "{:.4g}"),
        C("GFLOP/s", "gflops", "{:.1f}"),
        C("GEMM s/fev", "gemm", "{:.4g}"),
        C("GEMM frac", "gemm_frac", "{:.2f}"),
        *QUALITY,
        C("others%", "others", "{:.0f}"),
    ],
    "inference": [
        *KEY[:1],
        *KEY[3:],
        C("rows", "n_rows"),
        C("s/call", "median", "{:.4g}"),
        C("min..max", "spread"),
        C("/sklearn", "vs_sklearn", "{:.2f}"),
        C("GFLOP/s", "gflops", "{:.1f}"),
        C("GEMM s", "gemm", "{:.4g}"),
        C("GEMM frac", "gemm_frac", "{:.2f}"),
        C("held-out loss", "loss", "{:.4f}"),
        C("held-out acc", "score", "{:.4f}"),
        C("others%", "others", "{:.0f}"),
    ],
    "memory": [
        C("thr", "threads"),
        C("library", "library", align="<"),
        C("X GB", "x_gb", "{:.2f}"),
        C("peak RSS MiB", "peak_mb", "{:.0f}"),
        C("VmHWM MiB", "vm_hwm_mb", "{:.0f}"),
        C("runtime MiB", "runtime_mb", "{:.0f}"),
        C("extra beyond X MiB", "extra_mb", "{:.0f}"),
        C("added by fit MiB", "fit_extra_mb", "{:.0f}"),
        C("fit s", "fit_s", "{:.1f}"),
    ],
}  # fmt: skip
TITLES = {
    "stochastic": "Minibatch training (seconds per epoch)",
    "lbfgs": "L-BFGS (seconds per iteration and per function evaluation)",
    "inference": "Inference (predict_proba)",
    "memory": "Peak memory of one sgd epoch on a float32 X",
}


def section(row) -> str:
    if row["workload"] == "memory":
        return "memory"
    return WORKLOADS[row["workload"]].kind


def report(results: list[dict], markdown: bool, clock: str) -> str:
    out = []
    for kind, columns in TABLES.items():
        rows = [r for r in results if section(r) == kind]
        if rows:
            title = TITLES[kind] + ("" if kind == "memory" else f", {clock} clock")
            heading = f"### {title}" if markdown else f"== {title}"
            out += ["", heading, "", h.format_table(columns, rows, markdown)]
    return "\n".join(out)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--workloads",
        default="small,medium,large,reg,lbfgs,inference",
        help="comma-separated subset of: " + ",".join(WORKLOADS),
    )
    p.add_argument(
        "--libs", default=None, help="comma-separated subset of skffnn,sklearn,torch"
    )
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument(
        "--threads",
        default=f"{os.cpu_count()},1",
        help="BLAS thread counts to run, in order (default: all cores, then 1)",
    )
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time every figure by wall time, or by this process's "
        "CPU time (robust to other processes, with --threads 1)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="~10x smaller data and fewer epochs: a smoke run",
    )
    p.add_argument(
        "--memory",
        action="store_true",
        help="also measure peak RSS of a fit on a 2 GB float32 X",
    )
    p.add_argument("--all", action="store_true", help="every workload plus --memory")
    p.add_argument("--json", metavar="PATH", help="save raw results here")
    p.add_argument(
        "--report", metavar="PATH", help="only re-print the tables of a --json file"
    )
    p.add_argument(
        "--markdown", action="store_true", help="print README-ready markdown tables"
    )
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help="before each configuration wait up to S seconds for "
        "other processes to leave the CPU idle (shared hosts)",
    )
    p.add_argument("--memory-child", help=argparse.SUPPRESS)
    p.add_argument("--memory-shape", default="0x0", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.workloads = list(WORKLOADS) if args.all else args.workloads.split(",")
    args.memory = args.memory or args.all
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads: {sorted(unknown)}")
    args.threads = [int(t) for t in args.threads.split(",")]
    args.dtypes = args.dtypes.split(",")
    args.libs = args.libs.split(",") if args.libs else None
    return args


def run_config(ctx: Context, args, wl: Workload, solver: str, dtype: str):
    if args.wait_quiet:
        h.wait_until_quiet(args.wait_quiet)
    start = h.cpu_snapshot()
    rows = RUNNERS[wl.kind](ctx, wl, solver, dtype)
    end = h.cpu_snapshot()
    others = h.others_share(start, end)
    for row in rows:
        row.update(threads=ctx.threads, others=100 * others)
    h.log(
        f"{wl.name} {solver} {dtype}: {end[0] - start[0]:.1f} s, "
        f"other processes {100 * others:.0f}% of the CPU"
    )
    return rows


def run_all(ctx: Context, args) -> list[dict]:
    results = []
    # inference reuses the medium models, so it must come after medium
    order = sorted(args.workloads, key=lambda w: w == "inference")
    for threads in args.threads:
        with h.thread_limit(threads):
            ctx.threads = threads
            h.log(f"--- threads={threads}: pool sizes {h.current_pool_threads()}")
            for name in order:
                wl = WORKLOADS[name]
                for solver in wl.solvers:
                    for dtype in args.dtypes:
                        results += run_config(ctx, args, wl, solver, dtype)
    return results


def print_header(env: dict, markdown: bool) -> None:
    header = h.format_environment(env)
    print(header if not markdown else f"```\n{header}\n```", flush=True)


def print_saved(path: str, markdown: bool) -> None:
    """Re-print the tables of a ``--json`` file (e.g. as markdown)."""
    with open(path) as f:
        saved = json.load(f)
    print_header(saved["environment"], markdown)
    print(report(saved["results"], markdown, saved["args"].get("clock", "wall")))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        rows, cols = map(int, args.memory_shape.split("x"))
        memory_child(args.memory_child, rows, cols, args.threads[0])
        return 0
    if args.report:
        print_saved(args.report, args.markdown)
        return 0
    ctx = Context(h.load_libraries(args.libs), args.repeats, args.quick, {}, args.clock)
    ctx.thread_settings = tuple(args.threads)
    if args.clock == "cpu" and any(t > 1 for t in args.threads):
        h.log("warning: --clock cpu counts spinning threads too; use --threads 1")
    env = h.environment(ctx.libs)
    print_header(env, args.markdown)
    if any(env["blas_env"].get(k) for k in h.BLAS_ENV_VARS[:2]):
        h.log("warning: OPENBLAS_CORETYPE/L2_SIZE set, numpy runs a slower kernel")
    start = h.cpu_snapshot()
    results = run_all(ctx, args)
    if args.memory:
        results += run_memory(ctx)
    end = h.cpu_snapshot()
    print(report(results, args.markdown, args.clock))
    env["others_share"] = h.others_share(start, end)
    print(
        f"\ntotal wall time {end[0] - start[0]:.0f} s; other processes used "
        f"{100 * env['others_share']:.0f}% of the machine's CPU meanwhile"
    )
    if args.json:
        h.save_results(args.json, env, args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
