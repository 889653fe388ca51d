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

from skffnn._solvers import AdamOptimizer, SGDOptimizer
from skffnn._training import _Rows
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
    rows = _Rows(X, Y, None, None)
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--workload", default="medium", choices=["small", "medium", "large", "reg"]
    )
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--solver", default="adam", choices=["adam", "sgd"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=200)
    args = p.parse_args(argv)
    with h.thread_limit(args.threads):
        result = profile(args.workload, args.dtype, args.solver, args.steps)
    total = result[-1][1]
    print(
        f"{args.workload}, {args.dtype}, {args.solver}, {args.threads} BLAS "
        f"thread(s): microseconds per training step"
    )
    for name, us in result:
        print(f"  {name:30s} {us:10.1f}  {us / total:6.1%}")
    gemm = result[0][1] + result[1][1]
    print(f"  GEMM share of the step: {gemm / total:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
