"""Where one skffnn training step spends its time, phase by phase.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/profile_step.py [--workload medium] [--dtype float64] \\
        [--solver adam] [--threads 1] [--steps 200]

It builds the network that ``FFNClassifier`` / ``FFNRegressor`` builds for a
workload of ``bench_mlp.py`` (same data, layer sizes and batch size) and times,
on one minibatch, the whole step (gather the batch, loss and gradient, the
finiteness check and snapshot, the optimizer update) and then each phase
alone, on the same arrays: the matrix products, the bias adds, the activation
gates forward and backward, the output head, the bias gradients, the L2 term,
the update. Each figure is the best of seven runs of ``--steps`` calls, in
microseconds per step, the phases and the whole step taking turns; "rest" is
the whole step minus the phases: Python overhead and the cache misses that
the phases, timed alone on warm arrays, do not pay.

This is the profile that says what bounds the GEMM fraction reported by
``bench_mlp.py``: everything but the products is a numpy pass over the data.
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
import bench_mlp

from skffnn._activations import _matmul
from skffnn._data import InMemoryData
from skffnn._solvers import AdamOptimizer, SGDOptimizer
from skffnn.network import Network, _add_scaled


def best_us(fns: dict, steps: int, rounds: int = 7) -> dict:
    """Best of ``rounds`` runs of ``steps`` calls of each function, in us per call.

    The functions take turns within each round, so a slow phase of the
    machine (a shared VM's speed drifts by 20 % or more within a minute) is
    shared by all of them rather than charged to one.
    """
    for fn in fns.values():
        for _ in range(max(steps // 10, 3)):
            fn()
    best = dict.fromkeys(fns, np.inf)
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(steps):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / steps * 1e6)
    return best


def problem(name: str, dtype: str):
    """The workload's data as the estimator sees it: X, one-hot or column Y."""
    wl = bench_mlp.WORKLOADS[name]
    X, y = bench_mlp.as_dtype(wl.loader, False, dtype)
    if wl.task == "clf":
        classes, codes = np.unique(y, return_inverse=True)
        Y = np.eye(len(classes), dtype=dtype)[codes]
        loss = "log_loss" if len(classes) > 2 else "binary_log_loss"
        if len(classes) == 2:
            Y = Y[:, 1:]
    else:
        Y, loss = np.asarray(y, dtype).reshape(len(y), -1), "squared_error"
    units = [X.shape[1], *wl.hidden, Y.shape[1]]
    return wl, np.ascontiguousarray(X), Y, units, loss


def profile(name: str, dtype: str, solver: str, steps: int) -> list[tuple[str, float]]:
    wl, X, Y, units, loss = problem(name, dtype)
    net = Network(units, "relu", loss, dtype=dtype)
    theta = net.init_params(0)
    grad = np.empty_like(theta)
    last_good = np.empty_like(theta)
    n = theta.size
    if solver == "adam":
        opt = AdamOptimizer(n, dtype, learning_rate_init=1e-3)
    else:
        opt = SGDOptimizer(n, dtype, learning_rate_init=1e-3, momentum=0.9)
    rows = InMemoryData(X, Y)
    B = wl.batch_size
    sel = np.random.default_rng(0).permutation(len(X))[:B]
    alpha = 1e-4

    def whole():
        Xb, Yb, _ = rows.take(sel)
        _, g = net.loss_and_gradient(theta, Xb, Yb, alpha=alpha, out=grad)
        np.isfinite(np.add.reduce(g))
        np.copyto(last_good, theta)
        opt.step(theta, g)

    # The phases, each on the arrays one step of the network uses.
    Xb, Yb, _ = rows.take(sel)
    W, b = net.layout.unpack(theta)
    gW, gb = net.layout.unpack(grad)
    acts = [Xb] + [np.abs(np.ones((B, u), dtype)) for u in units[1:]]
    deltas = [np.ones((B, u), dtype) for u in units[1:]]
    ones = np.ones(B, dtype)
    L = len(W)
    gates = net.gates
    theta_w = theta[: net.layout.n_weights]
    grad_w = grad[: net.layout.n_weights]
    scratch_w = np.empty_like(grad_w)
    logits = acts[-1]

    def gemm_forward():
        for i in range(L):
            np.matmul(acts[i], W[i], out=acts[i + 1])

    def gemm_backward():
        for i in reversed(range(L)):
            np.matmul(acts[i].T, deltas[i], out=gW[i])
            if i:
                np.matmul(deltas[i], W[i].T, out=deltas[i - 1])

    def bias_add():
        for i in range(L):
            acts[i + 1] += b[i]

    def act_forward():
        for i in range(L - 1):
            gates[i].forward(acts[i + 1])

    def act_backward():
        for i in range(L - 1):
            gates[i].backward(deltas[i], acts[i + 1])

    def head():
        net.head.loss_and_seed(logits, Yb, None, out=None)

    def bias_grad():
        for i in range(L):
            np.matmul(ones, deltas[i], out=gb[i])

    def l2():
        float(theta_w @ theta_w)
        _add_scaled(grad_w, theta_w, alpha / B, scratch_w)

    def check_and_snapshot():
        np.isfinite(np.add.reduce(grad))
        np.copyto(last_good, theta)

    def gather():
        rows.take(sel)

    grad_zero = np.zeros_like(grad)

    def update_only():
        opt.step(theta, grad_zero)

    phases = {
        "GEMM forward": gemm_forward,
        "GEMM backward": gemm_backward,
        "bias add": bias_add,
        "activation forward": act_forward,
        "output head (loss + seed)": head,
        "activation backward": act_backward,
        "bias gradients": bias_grad,
        "L2 term": l2,
        "gather the batch": gather,
        "finiteness check + snapshot": check_and_snapshot,
        f"{solver} update": update_only,
    }
    with np.errstate(all="ignore"):
        times = best_us({"whole step": whole, **phases}, steps)
    total = times.pop("whole step")
    rest = total - sum(times.values())
    return [
        *times.items(),
        ("rest (Python, cache misses)", rest),
        ("whole step", total),
    ]


class _TimedNetwork(Network):
    """``Network`` whose ``_backprop`` times each phase as it runs.

    The same operations as ``Network._backprop``, in the same order, on the
    same buffers, with a clock read between them (about 0.1 us per read).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock: dict[str, float] = {}

    def _tick(self, name, start):
        now = time.perf_counter()
        self.clock[name] = self.clock.get(name, 0.0) + now - start
        return now

    def _backprop(self, theta, X, Y, sample_weight, grad):
        tick = self._tick
        t = time.perf_counter()
        L = self.layout.n_layers
        ws = self._workspace(X.shape[0])
        outs, delta_bufs, ones = ws[:L], ws[L:-1], ws[-1]
        W, b = self._unpack(theta)
        gW, gb = self._unpack(grad)
        a = [X]
        for layer in range(L):
            z = _matmul(a[layer], W[layer], out=outs[layer])
            t = tick("GEMM forward", t)
            z += b[layer]
            t = tick("bias add", t)
            a.append(self.gates[layer].forward(z) if layer < L - 1 else z)
            t = tick("activation forward", t)
        loss, delta = self.head.loss_and_seed(a[L], Y, sample_weight, out=a[L])
        t = tick("output head (loss + seed)", t)
        for layer in range(L - 1, -1, -1):
            _matmul(a[layer].T, delta, out=gW[layer])
            t = tick("GEMM backward", t)
            np.matmul(ones, delta, out=gb[layer])
            t = tick("bias gradients", t)
            if layer > 0:
                upstream = np.matmul(delta, W[layer].T, out=delta_bufs[layer - 1])
                t = tick("GEMM backward", t)
                delta = self.gates[layer - 1].backward(upstream, a[layer])
                t = tick("activation backward", t)
        return loss


def profile_in_situ(
    name: str, dtype: str, solver: str, epochs: int
) -> list[tuple[str, float]]:
    """Phases timed inside real training steps over shuffled minibatches.

    Unlike ``profile``, no phase runs on warm data: each pays the cache
    misses that the phases before it in the step leave behind.
    """
    wl, X, Y, units, loss = problem(name, dtype)
    net = _TimedNetwork(units, "relu", loss, dtype=dtype)
    theta = net.init_params(0)
    grad, last_good = np.empty_like(theta), np.empty_like(theta)
    if solver == "adam":
        opt = AdamOptimizer(theta.size, dtype, learning_rate_init=1e-3)
    else:
        opt = SGDOptimizer(theta.size, dtype, learning_rate_init=1e-3, momentum=0.9)
    rows, B = InMemoryData(X, Y), wl.batch_size
    order = np.arange(len(X))
    rng = np.random.RandomState(0)
    clock = net.clock
    n_steps = 0
    for epoch in range(epochs + 1):
        if epoch == 1:  # the first epoch warms up
            clock.clear()
            n_steps = 0
        rng.shuffle(order)
        for start in range(0, len(X), B):
            t0 = time.perf_counter()
            Xb, Yb, _ = rows.take(order[start : start + B])
            t = net._tick("gather the batch", t0)
            with np.errstate(all="ignore"):
                _, g = net.loss_and_gradient(theta, Xb, Yb, alpha=1e-4, out=grad)
                t = time.perf_counter()
                np.isfinite(np.add.reduce(g))
                np.copyto(last_good, theta)
                t = net._tick("finiteness check + snapshot", t)
                opt.step(theta, g)
            t = net._tick(f"{solver} update", t)
            net._tick("whole step", t0)
            n_steps += 1
    total = clock.pop("whole step")
    result = [(k, v / n_steps * 1e6) for k, v in clock.items()]
    rest = (total - sum(clock.values())) / n_steps * 1e6
    gemm = h.GemmBound(units, [B] * (len(X) // B), dtype)
    bound = gemm.time_epoch(1.0).wall / (len(X) // B) * 1e6
    return [
        *result,
        ("rest (Python, L2 penalty, calls)", rest),
        ("whole step", total / n_steps * 1e6),
        ("GEMM bound (products alone)", bound),
    ]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--workload", default="medium", choices=["small", "medium", "large", "reg"]
    )
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--solver", default="adam", choices=["adam", "sgd"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument(
        "--in-situ",
        action="store_true",
        help="time the phases inside real training steps (shuffled batches)",
    )
    p.add_argument("--epochs", type=int, default=3, help="epochs for --in-situ")
    args = p.parse_args(argv)
    with h.thread_limit(args.threads):
        if args.in_situ:
            result = profile_in_situ(
                args.workload, args.dtype, args.solver, args.epochs
            )
            bound = result.pop()[1]
        else:
            result = profile(args.workload, args.dtype, args.solver, args.steps)
    total = result[-1][1]
    where = "inside training" if args.in_situ else "each phase alone"
    print(
        f"{args.workload}, {args.dtype}, {args.solver}, {args.threads} BLAS "
        f"thread(s), {where}: microseconds per training step"
    )
    for name, us in result:
        print(f"  {name:33s} {us:10.1f}  {us / total:6.1%}")
    gemm = sum(us for name, us in result if name.startswith("GEMM"))
    print(f"  GEMM share of the step: {gemm / total:.2f}")
    if args.in_situ:
        print(f"  GEMM bound (the products alone, warm): {bound:.1f} us")
        print(f"  GEMM inside training / GEMM bound: {gemm / bound:.2f}")
        print(f"  GEMM bound / whole step (bench_mlp's GEMM frac): {bound / total:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
