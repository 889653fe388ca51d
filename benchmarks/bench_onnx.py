"""Benchmark onnxruntime on an exported skffnn model against its predict_proba.

The model is bench_mlp.py's "medium" one (adam, (256, 256) relu, 10 epochs on
20,000 x 100, 10 classes); it is exported with ``skffnn.onnx.to_onnx`` and
both predict the probabilities of bench_mlp's 100,000 inference rows. The
figure is the ratio of the median times, ``predict_proba / onnxruntime``
(above 1: onnxruntime is faster), per dtype and thread count, with a check
that both give the same labels and probabilities.

Run it with the BLAS core-type overrides removed, so numpy's OpenBLAS picks
its own kernel for this CPU (the header shows which one it took)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_onnx.py

Options: ``--dtypes float64,float32``, ``--threads 2,1`` (numpy's BLAS
threads and onnxruntime's intra-op threads alike; default: all cores, then
1), ``--repeats N`` (default 5), ``--quick`` (20x fewer rows, 1 epoch),
``--wait-quiet S``, ``--json PATH``. Needs skffnn's optional extra ``onnx``.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
# the repository's skffnn (the working tree) wins over an installed copy
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]

import _harness as h  # noqa: E402  (a script: its helpers sit beside it)
import bench_mlp as bm  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument(
        "--threads",
        default=f"{os.cpu_count()},1",
        help="thread counts, in order: numpy's BLAS and onnxruntime's intra-op",
    )
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="20x fewer rows, 1 epoch")
    p.add_argument("--json", metavar="PATH", help="save raw results here")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help="before each configuration wait up to S seconds for other "
        "processes to leave the CPU idle (shared hosts)",
    )
    args = p.parse_args(argv)
    args.dtypes = args.dtypes.split(",")
    args.threads = [int(t) for t in args.threads.split(",")]
    return args


def medium_model(lib, dtype: str, quick: bool):
    """bench_mlp's medium adam model, fitted on its training rows."""
    medium = bm.WORKLOADS["medium"]
    X, y = bm.as_dtype(medium.loader, quick, dtype)
    params = bm.mlp_params(medium, "adam", medium.n_epochs(quick))
    fit_time, model = h.timed_fit(lib, "clf", params, X, y)
    h.log(f"fitted the medium model ({dtype}) in {fit_time.wall:.1f} s")
    return model


def agreement(model, session, X) -> dict:
    """Labels identical? Largest relative difference of the probabilities."""
    label, proba = session.run(None, {"X": X})
    expected = model.predict_proba(X)
    normal = expected >= np.finfo(expected.dtype).tiny
    relative = np.abs(proba - expected)[normal] / expected[normal]
    return {
        "labels_identical": bool(np.array_equal(label, model.predict(X))),
        "max_rel_diff": float(relative.max()),
        "min_proba": float(expected[normal].min()),
    }


def run_config(model, onx, X, threads: int, repeats: int) -> dict:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    row = agreement(model, session, X)  # also the warm-up of both
    times = {"predict_proba": [], "onnxruntime": []}
    start = h.cpu_snapshot()
    for _ in range(repeats):  # interleaved: a busy spell slows both alike
        clock = h.Stopwatch()
        model.predict_proba(X)
        times["predict_proba"].append(clock.read().wall)
        clock = h.Stopwatch()
        session.run(["probabilities"], {"X": X})
        times["onnxruntime"].append(clock.read().wall)
    row["others"] = 100 * h.others_share(start, h.cpu_snapshot())
    for name, values in times.items():
        stats = h.summarize(values)
        row[f"{name}_median"], row[f"{name}_iqr"] = stats["median"], stats["iqr"]
    row["ratio"] = row["predict_proba_median"] / row["onnxruntime_median"]
    return row


def table(results: list[dict]) -> str:
    head = (
        "| dtype | threads | rows | predict_proba (s) | onnxruntime (s) | ratio "
        "| labels identical | max rel. diff | others |\n"
        "|---|---:|---:|---:|---:|---:|---|---:|---:|"
    )
    lines = [head]
    for r in results:
        lines.append(
            f"| {r['dtype']} | {r['threads']} | {r['rows']:,} "
            f"| {r['predict_proba_median']:.3f} ± {r['predict_proba_iqr']:.3f} "
            f"| {r['onnxruntime_median']:.3f} ± {r['onnxruntime_iqr']:.3f} "
            f"| **{r['ratio']:.2f}** | {r['labels_identical']} "
            f"| {r['max_rel_diff']:.1g} | {r['others']:.0f}% |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    import onnx
    import onnxruntime
    import skl2onnx

    import skffnn.onnx

    (lib,) = h.load_libraries(["skffnn"])
    env = h.environment([lib])
    env.update(
        onnxruntime=onnxruntime.__version__,
        skl2onnx=skl2onnx.__version__,
        onnx=onnx.__version__,
    )
    print(h.format_environment(env))
    print(
        f"onnx      : onnxruntime {env['onnxruntime']}, skl2onnx {env['skl2onnx']}, "
        f"onnx {env['onnx']} (onnxruntime runs its own MLAS kernels, not OpenBLAS)",
        flush=True,
    )
    if any(env["blas_env"].get(k) for k in h.BLAS_ENV_VARS[:2]):
        h.log("warning: OPENBLAS_CORETYPE/L2_SIZE set, numpy runs a slower kernel")
    results = []
    for dtype in args.dtypes:
        model = medium_model(lib, dtype, args.quick)
        X, _ = bm.as_dtype(bm.WORKLOADS["inference"].loader, args.quick, dtype)
        onx = skffnn.onnx.to_onnx(model, X[:1], options={"zipmap": False})
        for threads in args.threads:
            if args.wait_quiet:
                h.wait_until_quiet(args.wait_quiet)
            with h.thread_limit(threads):
                row = run_config(model, onx, X, threads, args.repeats)
            row.update(dtype=dtype, threads=threads, rows=len(X))
            h.log(f"{dtype}, {threads} thread(s): ratio {row['ratio']:.2f}")
            results.append(row)
    print()
    print(
        "predict_proba of the medium model against onnxruntime on the same rows; "
        f"median ± IQR of {args.repeats} interleaved calls; ratio = predict_proba "
        "/ onnxruntime (above 1: onnxruntime is faster); others = CPU share of "
        "other processes meanwhile."
    )
    print(table(results))
    if args.json:
        h.save_results(args.json, env, args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
