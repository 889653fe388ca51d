"""Ablation / tuning of the Tabular recipe without touching the suite's test folds.

For each dataset, only the *training* part of the benchmark's outer fold 0 is
used: it is split again (80/20, seed 1) into an inner training and an inner
validation set, and every configuration is fitted on the former and scored
on the latter. The defaults were chosen on these inner scores; the outer test
folds are left to ``bench_tabular.py``.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 \\
        python benchmarks/ablate_tabular.py --jobs 2 --out benchmarks/results/NAME
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_tabular as B

#: name -> parameters changed from the defaults (one ingredient at a time).
CONFIGS = {
    "default": {},
    "no smooth clip": {"preprocessing": "robust"},
    "no scaling lr x6": {"lr_factors": {"scale": 1.0}},
    "beta_2=0.999": {"beta_2": 0.999},
    "constant lr": {"lr_schedule": "constant", "learning_rate": 0.005},
    "cosine warmup": {"lr_schedule": "cosine_warmup"},
    "relu": {"activation": "relu"},
    "parametric act.": {"parametric_activation": True},
    "pbld embedding": {"embedding": "pbld"},
    "TabM-mini k=4": {"n_ensemble": 4},
    "dropout 0.15": {"dropout": 0.15},
    "weight decay 0.02": {"weight_decay": 0.02},
    "label smoothing 0.1": {"label_smoothing": 0.1},
    "select on log-loss": {"selection": "log_loss"},
    "no best epoch": {"validation_fraction": 0.0},
    "3 x 256": {"hidden_layer_sizes": (256, 256, 256)},
    "256 epochs": {"max_iter": 256},
    "float64": {"dtype": "float64"},
}
CLF_ONLY = {"label smoothing 0.1", "select on log-loss"}
#: The anchors, on the same inner split, for reference.
ANCHORS = ("hgb", "sklearn_mlp", "realmlp_td_s")


def run_config(name: str, params: dict, dataset: str) -> dict:
    from sklearn.metrics import log_loss
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
    from threadpoolctl import threadpool_limits

    from skffnn import TabularFFNClassifier, TabularFFNRegressor

    X, y, clf = B.load(dataset)
    cv = (StratifiedKFold if clf else KFold)(5, shuffle=True, random_state=0)
    outer_train, _ = next(iter(cv.split(X, y)))
    X, y = X[outer_train], y[outer_train]
    Xtr, Xva, ytr, yva = train_test_split(
        X, y, test_size=0.2, random_state=1, stratify=y if clf else None
    )
    if name in ANCHORS:
        est = B.make_model(name, clf, 0)
    else:
        cls = TabularFFNClassifier if clf else TabularFFNRegressor
        est = cls(random_state=0, **params)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        est.fit(Xtr, ytr)
        fit_s = time.perf_counter() - t0
        out = {"config": name, "dataset": dataset, "fit_s": fit_s}
        if clf:
            proba = est.predict_proba(Xva)
            out["error"] = float(np.mean(est.classes_[proba.argmax(1)] != yva))
            out["logloss"] = float(log_loss(yva, proba, labels=est.classes_))
        else:
            pred = est.predict(Xva)
            out["error"] = float(np.sqrt(np.mean((pred - yva) ** 2)) / np.std(yva))
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", default=",".join(CONFIGS))
    p.add_argument("--datasets", default=",".join(B.DATASETS))
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--out", default=None)
    p.add_argument("--extra", default=None, help='JSON {"name": {params}} to add')
    args = p.parse_args(argv)
    configs = {
        c: CONFIGS.get(c, {}) for c in args.configs.split(",") if c
    }  # an anchor's name runs the anchor
    if args.extra:
        configs.update(json.loads(args.extra))
    datasets = args.datasets.split(",")
    from joblib import Parallel, delayed

    tasks = [
        (c, d)
        for d in datasets
        for c in configs
        if not (c in CLF_ONLY and d not in B.CLASSIFICATION)
    ]
    rows = []
    sink = open(args.out + ".jsonl", "w") if args.out else None
    gen = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(run_config)(c, configs[c], d) for c, d in tasks
    )
    for r in gen:
        rows.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
        if sink:
            sink.write(json.dumps(r) + "\n")
            sink.flush()
    print(table(rows, list(configs), datasets))


def table(rows, configs, datasets) -> str:
    err = {(r["config"], r["dataset"]): r for r in rows}
    lines = [
        "| config | "
        + " | ".join(datasets)
        + " | shifted geo-mean | vs default | fit s |",
        "|---" * (len(datasets) + 4) + "|",
    ]
    base = [err[("default", d)]["error"] for d in datasets if ("default", d) in err]
    gm0 = B.shifted_geomean(base) if base else np.nan
    for c in configs:
        cells, errs, fit = [], [], 0.0
        for d in datasets:
            r = err.get((c, d))
            cells.append("-" if r is None else f"{r['error']:.4f}")
            if r is not None:
                fit += r["fit_s"]
        common = [d for d in datasets if (c, d) in err and ("default", d) in err]
        errs = [err[(c, d)]["error"] for d in common]
        ref = [err[("default", d)]["error"] for d in common]
        gm = B.shifted_geomean(errs) if errs else np.nan
        rel = gm / B.shifted_geomean(ref) - 1 if errs else np.nan
        lines.append(
            f"| {c} | " + " | ".join(cells) + f" | {gm:.4f} | {rel:+.1%} | {fit:.1f} |"
        )
    del gm0
    return "\n".join(lines)


if __name__ == "__main__":
    main()
