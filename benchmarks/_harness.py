"""Shared helpers for ``benchmarks/bench_mlp.py``.

Nothing here is part of the installed package: the benchmark is a developer
tool and imports its optional competitors (PyTorch, skffnn itself) lazily, so
that it still runs, with fewer columns, when one of them is missing.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import os
import platform
import resource
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------

_START = time.perf_counter()


def log(message: str) -> None:
    """Progress to stderr, so stdout holds only the header and the tables."""
    print(
        f"[{time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True
    )


BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pool_owner(path: str) -> str:
    # numpy and scipy each vendor their own OpenBLAS copy; the file path is the
    # only reliable way to tell the two pools apart.
    owners = {"numpy": "numpy", "scipy": "scipy", "torch": "torch"}
    owners["scikit_learn"] = "sklearn"  # its wheel's vendored libgomp
    for key, owner in owners.items():
        if f"{key}.libs" in path or f"/{key}/" in path:
            return owner
    return os.path.basename(path)


def blas_pools() -> list[dict[str, Any]]:
    """threadpoolctl's view of every native thread pool, tagged with its owner."""
    import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS so it is listed)
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "architecture", "threading_layer")
    pools = []
    for info in threadpool_info():
        pool = {"owner": _pool_owner(info.get("filepath", ""))}
        pool.update({k: info.get(k) for k in keys})
        pool["num_threads"] = info.get("num_threads")
        pool["filepath"] = info.get("filepath")
        pools.append(pool)
    return pools


def torch_blas_info(torch: Any) -> str:
    # torch links its BLAS (MKL on x86 wheels) statically, so threadpoolctl
    # cannot see it; the build config string is the only source.
    for item in torch.__config__.show().replace(",", "\n").splitlines():
        if "BLAS_INFO" in item:
            return item.split("BLAS_INFO", 1)[1].strip(" =")
    return "unknown"


def environment(libs: list[Library]) -> dict[str, Any]:
    import scipy
    import sklearn

    env = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "blas_env": {k: os.environ.get(k) for k in BLAS_ENV_VARS},
        "blas_pools": blas_pools(),
    }
    for lib in libs:
        if lib.name != "sklearn":
            env[lib.name] = lib.version
    torch = _loaded_torch()
    if torch is not None:
        env["torch_blas"] = torch_blas_info(torch)
        env["torch_threads"] = torch.get_num_threads()
    return env


def format_environment(env: dict[str, Any]) -> str:
    versions = ["numpy", "scipy", "sklearn", "skffnn", "torch"]
    lines = [
        f"date      : {env['date']}",
        f"cpu       : {env['cpu']} ({env['cores']} logical cores)",
        f"platform  : {env['platform']}, Python {env['python']}",
        "versions  : "
        + ", ".join(f"{k} {env.get(k, 'not installed')}" for k in versions),
        "blas env  : "
        + ", ".join(
            f"{k}={v if v is not None else '(unset)'}"
            for k, v in env["blas_env"].items()
        ),
    ]
    for pool in env["blas_pools"]:
        lines.append(
            f"pool      : {pool['owner']:<6} {pool['internal_api']} {pool['version']} "
            f"kernel={pool['architecture']} threads={pool['num_threads']} "
            f"({pool['filepath']})"
        )
    if "torch_blas" in env:
        lines.append(
            f"torch     : BLAS {env['torch_blas']}, threads={env['torch_threads']}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Other processes
# --------------------------------------------------------------------------


def cpu_snapshot() -> tuple[float, float, float]:
    """(wall, machine busy+steal CPU seconds, this process's CPU seconds)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: steal is CPU the
    # hypervisor gave to someone else, as lost to us as another process's
    busy = sum(ticks[i] for i in (0, 1, 2, 5, 6, 7) if i < len(ticks))
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own


def others_share(start, end) -> float:
    """Fraction of the machine's CPU that other processes took in between.

    Two threads on two cores only run at full speed when the machine is
    otherwise idle; this number says how far that held (0.5 = a whole core).
    """
    wall = end[0] - start[0]
    if wall <= 0:
        return 0.0
    foreign = (end[1] - start[1]) - (end[2] - start[2])
    return max(0.0, foreign / (wall * (os.cpu_count() or 1)))


def wait_until_quiet(max_wait: float, threshold: float = 0.10) -> float:
    """Wait up to ``max_wait`` s for a 1 s window with others below threshold.

    Returns the share seen in the last window.
    """
    deadline = time.perf_counter() + max_wait
    while True:
        start = cpu_snapshot()
        time.sleep(1.0)
        share = others_share(start, cpu_snapshot())
        if share < threshold or time.perf_counter() >= deadline:
            return share


# --------------------------------------------------------------------------
# Thread control
# --------------------------------------------------------------------------


@contextlib.contextmanager
def thread_limit(n_threads: int):
    """Limit BLAS/OpenMP pools *and* torch's intra-op pool to ``n_threads``.

    threadpoolctl cannot reach torch's statically linked MKL, so torch's own
    setter is needed as well.
    """
    from threadpoolctl import threadpool_limits

    torch = _loaded_torch()
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n_threads):
        if torch is not None:
            torch.set_num_threads(n_threads)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous)


def current_pool_threads() -> dict[str, int]:
    threads = {p["owner"]: p["num_threads"] for p in blas_pools()}
    torch = _loaded_torch()
    if torch is not None:
        threads["torch"] = torch.get_num_threads()
    return threads


# --------------------------------------------------------------------------
# Clocks, statistics and FLOP counts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Wall time and this process's CPU time (all its threads) of one span.

    With one thread the CPU time is what the work costs even when other
    processes take turns on the core (descheduled time is not counted);
    with more threads it also counts their spinning, so only wall time
    tells the speed.
    """

    wall: float
    cpu: float

    def __truediv__(self, n: float) -> Timing:
        return Timing(self.wall / n, self.cpu / n)

    def get(self, clock: str) -> float:
        return self.cpu if clock == "cpu" else self.wall


class Stopwatch:
    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> Timing:
        return Timing(time.perf_counter() - self.wall, time.process_time() - self.cpu)


def save_results(path, env: dict, args, results) -> None:
    """Write one run (environment, arguments, results) as JSON to ``path``."""
    with open(path, "w") as f:
        saved = {"environment": env, "args": vars(args), "results": results}
        json.dump(saved, f, indent=1, default=str)


def summarize(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return {
        "median": float(med),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "iqr": float(q3 - q1),
    }


def train_flops(n_samples: int, units: list[int]) -> float:
    """FLOPs of the GEMMs of one pass of backprop over ``n_samples`` rows.

    Forward X@W (2 n_in n_out per row), dW = A^T@delta (same) and
    dA = delta@W^T (same, skipped for the first layer whose input needs no
    gradient): 6 sum(n_in n_out) - 2 n_features n_hidden1 per row.
    """
    pairs = sum(a * b for a, b in itertools.pairwise(units))
    return float(n_samples) * (6 * pairs - 2 * units[0] * units[1])


def forward_flops(n_samples: int, units: list[int]) -> float:
    return float(n_samples) * 2 * sum(a * b for a, b in itertools.pairwise(units))


def batch_plan(n_samples: int, batch_size: int) -> list[int]:
    full, rest = divmod(n_samples, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


# --------------------------------------------------------------------------
# GEMM bound
# --------------------------------------------------------------------------


class GemmBound:
    """Times the matrix products of one epoch of backprop, and nothing else.

    All operands are preallocated and contiguous and every product writes
    into its own buffer through ``np.matmul(out=)``, so the time measured is
    what this machine's BLAS needs for the unavoidable work: a lower bound
    for any numpy-based implementation at this batch size.
    """

    def __init__(self, units, batch_sizes, dtype, forward_only=False):
        rng = np.random.default_rng(0)
        # 1/sqrt(fan_in) keeps activations O(1) so no denormals or infs sneak
        # in and change the BLAS speed.
        self.weights = [
            (rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
            for a, b in itertools.pairwise(units)
        ]
        self.forward_only = forward_only
        self.counts = Counter(batch_sizes)
        self.buffers = {b: self._alloc(b, units, dtype, rng) for b in self.counts}

    def _alloc(self, batch, units, dtype, rng):
        acts = [rng.standard_normal((batch, u)).astype(dtype) for u in units]
        if self.forward_only:  # 100,000-row inference: no backward buffers
            return acts, [], []
        deltas = [rng.standard_normal((batch, u)).astype(dtype) for u in units[1:]]
        grads = [np.empty_like(w) for w in self.weights]
        return acts, deltas, grads

    def _batch(self, acts, deltas, grads):
        for i, w in enumerate(self.weights):
            np.matmul(acts[i], w, out=acts[i + 1])
        if self.forward_only:
            return
        for i in reversed(range(len(self.weights))):
            np.matmul(acts[i].T, deltas[i], out=grads[i])
            if i:
                np.matmul(deltas[i], self.weights[i].T, out=deltas[i - 1])

    def epoch(self):
        for batch, count in self.counts.items():
            buffers = self.buffers[batch]
            for _ in range(count):
                self._batch(*buffers)

    def time_epoch(self, min_seconds=0.05) -> Timing:
        """Time per epoch; tiny epochs are repeated to beat timer noise."""
        return _time_per_call(self.epoch, min_seconds)


def _time_per_call(fn, min_seconds=0.05) -> Timing:
    n, clock = 0, Stopwatch()
    while True:
        fn()
        n += 1
        elapsed = clock.read()
        if elapsed.wall >= min_seconds:
            return elapsed / n


class UpdateBound:
    """Times one epoch of the optimizer's own arithmetic, and nothing else.

    The update every library must apply to all parameters once per minibatch:
    scikit-learn's formulas for SGD with Nesterov momentum (6 vector passes)
    or Adam (12 passes, a square root and a division among them), written
    in place on preallocated float vectors. GEMM bound + this is a floor for
    a numpy implementation that keeps scikit-learn's arithmetic.
    """

    def __init__(self, units, n_batches, dtype, solver):
        n = sum(a * b + b for a, b in itertools.pairwise(units))
        rng = np.random.default_rng(0)
        self.theta = rng.standard_normal(n).astype(dtype)
        self.grad = (rng.standard_normal(n) * 1e-3).astype(dtype)
        self.state = [np.zeros(n, dtype) for _ in range(2)]
        self.tmp = [np.empty(n, dtype) for _ in range(2)]
        self.n_batches, self.solver = n_batches, solver

    def _sgd(self, lr=1e-3, momentum=0.9):
        (v, _), (lr_g, upd) = self.state, self.tmp
        np.multiply(self.grad, lr, out=lr_g)
        v *= momentum
        v -= lr_g
        np.multiply(v, momentum, out=upd)
        upd -= lr_g
        self.theta += upd

    def _adam(self, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        (m, v), (s1, s2) = self.state, self.tmp
        m *= b1
        np.multiply(self.grad, 1 - b1, out=s1)
        m += s1
        v *= b2
        np.square(self.grad, out=s1)
        s1 *= 1 - b2
        v += s1
        np.sqrt(v, out=s1)
        s1 += eps
        np.multiply(m, -lr, out=s2)
        s2 /= s1
        self.theta += s2

    def epoch(self):
        update = self._adam if self.solver == "adam" else self._sgd
        for _ in range(self.n_batches):
            update()

    def time_epoch(self, min_seconds=0.05) -> Timing:
        return _time_per_call(self.epoch, min_seconds)


class StepFloor:
    """One epoch of the matrix products and the optimizer update, batch by batch.

    ``GemmBound`` and ``UpdateBound`` interleaved as a training loop runs
    them, so the update pays the cache misses the products leave behind
    (and the products the update's): the time no numpy implementation that
    keeps scikit-learn's update can beat, with nothing else (no bias, no
    activation, no loss) in the step.
    """

    def __init__(self, gemm: GemmBound, update: UpdateBound):
        self.gemm, self.update = gemm, update

    def epoch(self):
        step = self.update._adam if self.update.solver == "adam" else self.update._sgd
        for batch, count in self.gemm.counts.items():
            buffers = self.gemm.buffers[batch]
            for _ in range(count):
                self.gemm._batch(*buffers)
                step()

    def time_epoch(self, min_seconds=0.05) -> Timing:
        return _time_per_call(self.epoch, min_seconds)


# --------------------------------------------------------------------------
# Libraries
# --------------------------------------------------------------------------


def _import_torch():
    """torch if importable, else None (it is an optional competitor)."""
    try:
        import torch
    except Exception:  # a broken install must not stop the benchmark
        return None
    return torch


def _loaded_torch():
    # Helpers that merely adjust threads must not import torch themselves:
    # the memory children measure RSS, and torch's import alone costs ~0.3 GB.
    return sys.modules.get("torch")


@dataclass
class Library:
    name: str
    version: str
    classifier: Any
    regressor: Any
    supports_lbfgs: bool = True

    def build(self, task: str, params: dict):
        cls = self.classifier if task == "clf" else self.regressor
        return cls(**params)


def load_libraries(wanted: list[str] | None = None) -> list[Library]:
    """skffnn (once its estimators exist), sklearn and torch, in that order.

    Only the libraries in ``wanted`` are imported, so a memory child that
    measures sklearn does not carry torch's shared libraries in its RSS.
    """
    loaders = {"skffnn": _skffnn, "sklearn": _sklearn, "torch": _torch}
    libs = []
    for name, loader in loaders.items():
        if wanted is None or name in wanted:
            lib = loader()
            if lib is not None:
                libs.append(lib)
    return libs


def _skffnn():
    try:
        import skffnn

        clf, reg = skffnn.FFNClassifier, skffnn.FFNRegressor
    except (ImportError, AttributeError):
        return None  # not written yet: benchmark the others
    version = (
        f"{getattr(skffnn, '__version__', '?')} ({os.path.dirname(skffnn.__file__)})"
    )
    return Library("skffnn", version, clf, reg)


def _sklearn():
    import sklearn
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    return Library("sklearn", sklearn.__version__, MLPClassifier, MLPRegressor)


def _torch():
    torch = _import_torch()
    if torch is None:
        return None
    clf, reg = _torch_factory("clf"), _torch_factory("reg")
    # torch.optim.LBFGS is a different algorithm (no L-BFGS-B line search
    # by default), so the lbfgs workload compares numpy implementations only.
    return Library("torch", torch.__version__, clf, reg, supports_lbfgs=False)


def _torch_factory(task):
    def build(**params):
        return TorchMLP(task, **params)

    return build


class TorchMLP:
    """The sklearn MLP algorithm written as a plain PyTorch training loop.

    Same architecture (Linear+ReLU, softmax/identity output), same Glorot
    uniform init scale as sklearn, same loss (mean cross-entropy or half MSE),
    L2 penalty as weight decay alpha/batch_size on weights only (sklearn adds
    alpha*W/n_batch to the weight gradients), SGD with (Nesterov) momentum or
    Adam with sklearn's defaults, same batch size and number of epochs.
    """

    def __init__(self, task, **params):
        self.task = task
        self.params = params
        self.torch = _import_torch()

    def _network(self, units, dtype):
        nn = self.torch.nn
        layers = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(units)):
            linear = nn.Linear(fan_in, fan_out, dtype=dtype)
            bound = np.sqrt(6.0 / (fan_in + fan_out))  # sklearn's _init_coef
            nn.init.uniform_(linear.weight, -bound, bound)
            nn.init.uniform_(linear.bias, -bound, bound)
            layers.append(linear)
            if i < len(units) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def _optimizer(self, model):
        p, optim = self.params, self.torch.optim
        weights = [m.weight for m in model if hasattr(m, "weight")]
        biases = [m.bias for m in model if hasattr(m, "bias")]
        groups = [
            {"params": weights, "weight_decay": p["alpha"] / p["batch_size"]},
            {"params": biases, "weight_decay": 0.0},
        ]
        lr = p["learning_rate_init"]
        if p["solver"] == "sgd":
            return optim.SGD(
                groups,
                lr=lr,
                momentum=p["momentum"],
                nesterov=p["nesterovs_momentum"],
            )
        if p["solver"] == "adam":
            return optim.Adam(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        raise ValueError(f"torch baseline has no solver {p['solver']!r}")

    def _targets(self, y, dtype):
        torch = self.torch
        if self.task == "clf":
            self.classes_, codes = np.unique(y, return_inverse=True)
            return torch.from_numpy(codes.astype(np.int64)), len(self.classes_)
        y2 = np.asarray(y, dtype=dtype).reshape(len(y), -1)
        return torch.from_numpy(np.ascontiguousarray(y2)), y2.shape[1]

    def _loss_fn(self):
        functional = self.torch.nn.functional
        if self.task == "clf":
            return functional.cross_entropy
        return lambda out, target: 0.5 * functional.mse_loss(out, target)

    def fit(self, X, y):
        torch, p = self.torch, self.params
        torch.manual_seed(p["random_state"])
        X = np.ascontiguousarray(X)
        tdtype = torch.float32 if X.dtype == np.float32 else torch.float64
        Xt = torch.from_numpy(X)  # zero-copy, like sklearn's view of X
        yt, n_out = self._targets(y, X.dtype)
        units = [X.shape[1], *p["hidden_layer_sizes"], n_out]
        self.model_ = self._network(units, tdtype)
        optimizer = self._optimizer(self.model_)
        self.loss_curve_ = [
            self._epoch(Xt, yt, optimizer) for _ in range(p["max_iter"])
        ]
        self.n_iter_ = p["max_iter"]
        self.loss_ = self.loss_curve_[-1]
        return self

    def _epoch(self, Xt, yt, optimizer):
        torch, p = self.torch, self.params
        n, batch = len(Xt), p["batch_size"]
        order = torch.randperm(n) if p["shuffle"] else torch.arange(n)
        loss_fn, total = self._loss_fn(), 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(self.model_(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            # .item() per batch mirrors sklearn/skffnn, which also accumulate
            # the epoch loss batch by batch.
            total += loss.item() * len(idx)
        return total / n

    def _forward(self, X):
        with self.torch.no_grad():
            return self.model_(self.torch.from_numpy(np.ascontiguousarray(X)))

    def predict_proba(self, X):
        return self.torch.softmax(self._forward(X), dim=1).numpy()

    def predict(self, X):
        out = self._forward(X).numpy()
        if self.task == "clf":
            return self.classes_[out.argmax(axis=1)]
        return out.ravel() if out.shape[1] == 1 else out


# --------------------------------------------------------------------------
# Fitting helpers
# --------------------------------------------------------------------------


@contextlib.contextmanager
def quiet():
    """Silence the ConvergenceWarning every fixed-epoch fit raises."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # skffnn may define its own subclass-free warning class; match by name
        warnings.filterwarnings("ignore", message=".*[Mm]aximum iterations.*")
        warnings.filterwarnings("ignore", message=".*not converged.*")
        yield


@contextlib.contextmanager
def count_lbfgs():
    """Count L-BFGS iterations and function evaluations through scipy.

    sklearn keeps ``n_iter_`` but drops ``nfev``; wrapping scipy's private
    driver (both the ``minimize`` and the ``fmin_l_bfgs_b`` entry points)
    recovers it for any estimator that goes through scipy. If nothing is
    recorded the estimator used another optimizer and only per-iteration
    figures are reported.
    """
    import scipy.optimize._lbfgsb_py as lbfgsb
    import scipy.optimize._minimize as minimize

    original = lbfgsb._minimize_lbfgsb
    record = {"nfev": None, "nit": None}

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        record["nfev"] = (record["nfev"] or 0) + int(result.nfev)
        record["nit"] = (record["nit"] or 0) + int(result.nit)
        return result

    lbfgsb._minimize_lbfgsb = minimize._minimize_lbfgsb = wrapper
    try:
        yield record
    finally:
        lbfgsb._minimize_lbfgsb = minimize._minimize_lbfgsb = original


def timed_fit(lib: Library, task: str, params: dict, X, y) -> tuple[Timing, Any]:
    est = lib.build(task, params)
    with quiet():
        clock = Stopwatch()
        est.fit(X, y)
        return clock.read(), est


def quality(est, task: str, X, y) -> dict[str, float]:
    """Training loss (without L2 term) and accuracy / R^2, identical formula for
    every library, so quality regressions are visible at equal epoch count."""
    if task == "clf":
        proba = np.asarray(est.predict_proba(X), dtype=np.float64)
        classes = np.unique(y)
        codes = np.searchsorted(classes, y)
        picked = np.clip(proba[np.arange(len(y)), codes], 1e-15, 1.0)
        return {
            "loss": float(-np.mean(np.log(picked))),
            "score": float(np.mean(proba.argmax(axis=1) == codes)),
        }
    pred = np.asarray(est.predict(X), dtype=np.float64).reshape(np.shape(y))
    resid = np.asarray(y, dtype=np.float64) - pred
    total = np.asarray(y, dtype=np.float64) - np.mean(y)
    return {
        "loss": float(0.5 * np.mean(resid**2)),
        "score": float(1.0 - np.sum(resid**2) / np.sum(total**2)),
    }


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    key: str
    fmt: str = "{}"
    align: str = ">"


def _cell(row, col: Column) -> str:
    value = row.get(col.key)
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return col.fmt.format(value)


def format_table(columns: list[Column], rows: list[dict], markdown=False) -> str:
    cells = [[_cell(row, c) for c in columns] for row in rows]
    if markdown:
        head = "| " + " | ".join(c.header for c in columns) + " |"
        rule = "|" + "|".join(("---:" if c.align == ">" else ":---") for c in columns)
        body = ["| " + " | ".join(line) + " |" for line in cells]
        return "\n".join([head, rule + "|", *body])
    widths = [
        max(len(c.header), *(len(line[i]) for line in cells))
        if cells
        else len(c.header)
        for i, c in enumerate(columns)
    ]

    def fmt(items):
        return "  ".join(
            f"{s:{c.align}{w}}" for s, c, w in zip(items, columns, widths, strict=True)
        )

    lines = [fmt([c.header for c in columns]), "  ".join("-" * w for w in widths)]
    lines += [fmt(line) for line in cells]
    return "\n".join(lines)
