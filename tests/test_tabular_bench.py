"""benchmarks/bench_tabular.py's summary statistics, on made-up results."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_tabular", ROOT / "benchmarks" / "bench_tabular.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shifted_geometric_mean_is_the_issues_formula(bench):
    errors = [0.0, 0.09, 0.99]
    want = np.exp(np.mean(np.log([0.01, 0.1, 1.0]))) - 0.01
    assert bench.shifted_geomean(errors) == pytest.approx(want)


def test_report_ranks_counts_wins_and_leaves_out_unfinished_models(bench):
    rows = []
    errors = {"sklearn_mlp": [0.2, 0.3], "tabular": [0.1, 0.4], "slow": [0.05, None]}
    for model, errs in errors.items():
        for d, e in zip(["penbased", "concrete"], errs):
            if e is not None:
                row = {"model": model, "dataset": d, "fold": 0, "fit_s": 1.0}
                rows.append(
                    row | {"error": e, "logloss": 1.0}
                    if d == "penbased"
                    else row | {"error": e}
                )
    text = bench.report(rows, list(errors), ["penbased", "concrete"])
    # on the one dataset all three finished: slow first, tabular second
    assert "| slow | 0.0500 | 1.00 | 1.0 | 1 |" in text
    assert "| tabular | 0.1000 | 2.00 | 1.0 | 1 |" in text
    # and the two that finished both datasets, ranked over both
    assert "| tabular | " in text.split("on 2 datasets")[1]
    assert "| slow |" not in text.split("on 2 datasets")[1]


def test_ab_tabular_compares_predictions_and_fit_time_with_a_git_revision(capsys):
    """benchmarks/ab_tabular.py: against HEAD itself every prediction is the same."""
    import subprocess
    import sys

    inside = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout: ab_tabular.py compares git revisions")
    spec = importlib.util.spec_from_file_location(
        "ab_tabular", ROOT / "benchmarks" / "ab_tabular.py"
    )
    ab = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ab)
    assert ab.main(["--base", "HEAD", "--rounds", "1", "--max-iter", "2"]) == 0
    out = capsys.readouterr().out
    assert "base HEAD" in out and "new / base:" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    table = {r[0]: r[1:] for r in rows if r[0] in ab.datasets()}
    assert len(table) == 4
    for rel, classes, epoch, loss in table.values():
        assert float(rel) == 0 and float(loss) == 0 and epoch == "same"
        assert classes in ("same", "-")
    base = sys.modules["skffnn_base"]
    assert not Path(base.__file__).resolve().is_relative_to(ROOT.resolve())
