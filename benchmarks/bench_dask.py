"""Seconds per L-BFGS iteration on a dask cluster against the in-memory fit.

On a ``LocalCluster`` of worker processes on loopback (default 2 workers, one
thread each), for each data size: the in-memory fit, the fit on a dask array
(end to end), and the same L-BFGS run through the dask objective with its
evaluations timed phase by phase:

- **send**: ``client.scatter(theta, broadcast=True)``, theta on every worker;
- **compute**: from submitting the blocks' loss-and-gradient tasks to all of
  them finished (scheduling included); **busy** is what the workers spent
  inside the tasks (from the task stream), per worker and evaluation;
- **reduce**: the fixed-order sum of the partial results and fetching it.

The phases are waited for one after the other only in the timed run; a plain
fit pipelines them. Also measured: a round trip to the cluster (one empty
task), the one-off validation and encoding of the blocks ("setup"), the
largest relative difference between the dask fit's weights and the in-memory
ones, **ratio** (dask s/iter over the in-memory fit's on one BLAS thread,
the workers' setting), and **others%**, the share of the machine's CPU that
other processes took during a size (this process and its workers excluded):
on a 2-core machine, rows with more than a few percent are slowed by others.
The results feed the cost model in docs/scaling_out.md; the lines before the
table time a broadcast by size and empty tasks, its constants.

Run (the OPENBLAS variables force a slow kernel on this machine)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py \
        --wait-quiet 90
    python benchmarks/bench_dask.py --rows 5000 --iters 3   # smoke run
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _noop():
    return None


def cpu_snapshot():
    """(wall, machine busy CPU s, CPU s of this process and its workers)."""
    import psutil

    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    busy = sum(ticks[i] for i in (0, 1, 2, 5, 6, 7) if i < len(ticks))
    me = psutil.Process()
    own = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        own += times.user + times.system
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own


def others_share(start, end):
    """Share of the machine's CPU other processes took in between (1 = all)."""
    wall = end[0] - start[0]
    foreign = (end[1] - start[1]) - (end[2] - start[2])
    return max(0.0, foreign / (wall * (os.cpu_count() or 1)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="2000,10000,50000", help="data sizes")
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--hidden", default="256,256", help="hidden layer sizes")
    p.add_argument("--iters", type=int, default=10, help="L-BFGS iterations per fit")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--blocks-per-worker", type=int, default=2)
    p.add_argument("--pings", type=int, default=50)
    p.add_argument(
        "--wait-quiet", type=float, default=0.0, metavar="S",
        help="before each size, wait up to S s for the machine to go idle",
    )  # fmt: skip
    return p.parse_args(argv)


def median_ms(values):
    return 1e3 * float(np.median(values))


def task_busy(stream, n_evals, n_workers):
    """Seconds per worker and evaluation spent computing the blocks' tasks."""
    busy = sum(
        ss["stop"] - ss["start"]
        for t in stream
        if str(t["key"]).startswith("_partial")
        for ss in t["startstops"]
        if ss["action"] == "compute"
    )
    return busy / max(n_evals, 1) / n_workers


def print_latencies(client, repeats):
    """The cost model's constants: broadcast time by size, scheduling per task."""
    from distributed import wait

    for n_bytes in (8 * 2**10, 2**20, 8 * 2**20):
        vec = np.ones(n_bytes // 8)
        times = []
        for _ in range(max(repeats // 5, 3)):
            start = time.perf_counter()
            client.scatter(vec, broadcast=True, hash=False)
            times.append(time.perf_counter() - start)
        print(f"# scatter(broadcast=True) of {n_bytes / 2**20:g} MB: "
              f"{median_ms(times):.1f} ms median")  # fmt: skip
    for k in (1, 16, 64):
        times = []
        for _ in range(max(repeats // 5, 3)):
            start = time.perf_counter()
            wait([client.submit(_noop, pure=False) for _ in range(k)])
            times.append(time.perf_counter() - start)
        print(f"# {k} empty tasks submitted and waited for: "
              f"{median_ms(times):.1f} ms median")  # fmt: skip


def run_size(client, n_rows, args, hidden):
    import dask.array as da
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning

    from skffnn import FFNClassifier, _dask
    from skffnn._solvers import minimize_lbfgs
    from skffnn.network import Network

    X, y = make_classification(
        n_samples=n_rows, n_features=args.features, n_informative=50,
        n_classes=10, random_state=0,
    )  # fmt: skip
    n_blocks = args.workers * args.blocks_per_worker
    chunk = -(-n_rows // n_blocks)
    params = dict(
        hidden_layer_sizes=hidden, solver="lbfgs", max_iter=args.iters, tol=0.0,
        random_state=0,
    )  # fmt: skip
    out = {"rows": n_rows, "blocks": n_blocks, "MB": X.nbytes / 2**20}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from threadpoolctl import threadpool_limits

        start = time.perf_counter()
        mem = FFNClassifier(**params).fit(X, y)
        out["memory"] = (time.perf_counter() - start) / mem.n_iter_
        with threadpool_limits(1, user_api="blas"):
            start = time.perf_counter()
            mem1 = FFNClassifier(**params).fit(X, y)
            out["memory_1"] = (time.perf_counter() - start) / mem1.n_iter_

        Xd = da.from_array(X, chunks=(chunk, -1)).persist()
        yd = da.from_array(y, chunks=chunk).persist()
        client.wait_for_workers(args.workers)
        start = time.perf_counter()
        est = FFNClassifier(**params)
        data = _dask.training_data(est, Xd, yd, None, reset=True, incremental=False)
        out["setup"] = time.perf_counter() - start

        start = time.perf_counter()
        fitted = FFNClassifier(**params).fit(Xd, yd)
        fit_seconds = time.perf_counter() - start
        out["dask_fit"] = fit_seconds / fitted.n_iter_
        out["dask"] = (fit_seconds - out["setup"]) / fitted.n_iter_
        out["same_weights"] = float(
            max(
                np.abs(a - b).max() / np.abs(a).max()
                for a, b in zip(mem.coefs_, fitted.coefs_)
            )
        )

        # The same run through the objective, phase by phase.
        net = Network([X.shape[1], *hidden, len(est.classes_)], "relu", "log_loss")
        theta0 = net.init_params(random_state=0)
        data.timings = []
        from distributed import get_task_stream

        start = time.perf_counter()
        with get_task_stream(client) as ts:
            res = minimize_lbfgs(
                data.objective(net, 1e-4), theta0, max_iter=args.iters,
                max_fun=15000, tol=0.0,
            )  # fmt: skip
        out["timed"] = (time.perf_counter() - start) / res.n_iter
        n_evals = len(data.timings)
        out["evals_per_iter"] = n_evals / res.n_iter
        for phase in ("send", "compute", "reduce"):
            out[phase] = median_ms([t[phase] for t in data.timings])
        out["busy"] = 1e3 * task_busy(ts.data, n_evals, args.workers)
        out["params"] = net.n_params

        # One block's loss and gradient in this process, one BLAS thread.
        Y = est._label_binarizer.transform(y[:chunk]).astype(X.dtype)
        with threadpool_limits(1, user_api="blas"):
            net.loss_and_gradient(theta0, X[:chunk], Y, alpha=0.0)
            start = time.perf_counter()
            for _ in range(3):
                net.loss_and_gradient(theta0, X[:chunk], Y, alpha=0.0)
        out["block_1thread"] = 1e3 * (time.perf_counter() - start) / 3
    return out


def main(argv=None):
    args = parse_args(argv)
    from distributed import Client, LocalCluster

    hidden = tuple(int(h) for h in args.hidden.split(","))
    print(f"# bench_dask.py, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# python {platform.python_version()}, {platform.machine()}, ", end="")
    import dask
    import distributed

    print(f"dask {dask.__version__}, distributed {distributed.__version__}")
    print(f"# load average before: {' '.join(map(str, os.getloadavg()))}")
    print(
        f"# LocalCluster: {args.workers} worker processes x 1 thread, 127.0.0.1; "
        f"{args.blocks_per_worker} blocks per worker; network {args.features}-"
        f"{'-'.join(map(str, hidden))}-10 relu, float64, {args.iters} L-BFGS "
        "iterations"
    )
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True,
        host="127.0.0.1", dashboard_address=None,
    ) as cluster, Client(cluster, timeout=60) as client:  # fmt: skip
        client.submit(_noop, pure=False).result()
        pings = []
        for _ in range(args.pings):
            start = time.perf_counter()
            client.submit(_noop, pure=False).result()
            pings.append(time.perf_counter() - start)
        print(f"# round trip (one empty task): {median_ms(pings):.1f} ms median")
        print_latencies(client, args.pings)
        run_size(client, 2000, argparse.Namespace(**{**vars(args), "iters": 2}), hidden)
        rows = []
        for n in (int(r) for r in args.rows.split(",")):
            if args.wait_quiet:
                from _harness import wait_until_quiet

                wait_until_quiet(args.wait_quiet)
            start = cpu_snapshot()
            rows.append(run_size(client, n, args, hidden))
            rows[-1]["others"] = others_share(start, cpu_snapshot())
    print(f"# load average after: {' '.join(map(str, os.getloadavg()))}")
    print()
    print(
        "| rows | MB | in-memory s/iter | 1 thread | dask fit s/iter | setup s | "
        "dask s/iter | ratio | timed run s/iter | feval/iter | send ms | "
        "compute ms | busy ms | reduce ms | 1 block 1 thread ms | max rel diff | "
        "others% |"
    )
    print("|" + " ---: |" * 17)
    for r in rows:
        print(
            f"| {r['rows']:,} | {r['MB']:.0f} | {r['memory']:.3f} | "
            f"{r['memory_1']:.3f} | "
            f"{r['dask_fit']:.3f} | {r['setup']:.2f} | {r['dask']:.3f} | "
            f"{r['dask'] / r['memory_1']:.2f} | {r['timed']:.3f} | "
            f"{r['evals_per_iter']:.2f} | {r['send']:.1f} | {r['compute']:.1f} | "
            f"{r['busy']:.1f} | {r['reduce']:.1f} | {r['block_1thread']:.1f} | "
            f"{r['same_weights']:.1e} | {100 * r['others']:.0f} |"
        )
    n_params = rows[0]["params"]
    print(f"\n# {n_params:,} parameters: theta is {n_params * 8 / 2**20:.2f} MB")


if __name__ == "__main__":
    main()
