"""Run the gallery scripts and the quickstart, and check the claims they make.

Each ``examples/plot_*.py`` is a sphinx-gallery script: it runs top to bottom,
prints its results and draws at least one figure. Here it is run with
``runpy`` (matplotlib's Agg backend, one BLAS thread: the networks are tiny,
and on a busy machine BLAS threads only add overhead), and the test asserts on
the values the script computed, which the docs build (it executes the same
scripts) does not check.

The docs build in CI already runs every script once; running them again here
costs about a minute on two cores, which buys the assertions. The gallery
scripts other helpers own (deployment, watching training, scaling out) have
their own tests of the features they show; here they only get a smoke test
(runs, draws a figure), skipped in CI, where the docs build runs them and
``tests/test_docs.py`` checks that their pages embed their figures.
"""

from __future__ import annotations

import itertools
import math
import os
import runpy
from pathlib import Path

import numpy as np
import pytest
from _extras import require_extra

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

matplotlib = require_extra("matplotlib", "docs")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_threaded_blas")]


@pytest.fixture
def run_script(tmp_path, monkeypatch, capsys):
    """Run ``examples/<name>.py``; return (its globals, printed text, n figures)."""

    def run(name):
        monkeypatch.chdir(tmp_path)  # a script may write files
        plt.close("all")
        try:
            namespace = runpy.run_path(
                str(EXAMPLES / f"{name}.py"), run_name="__main__"
            )
            figures = len(plt.get_fignums())
        finally:
            plt.close("all")
        out = capsys.readouterr().out
        assert out.strip(), f"{name} printed nothing"
        return namespace, out, figures

    return run


TESTED_HERE = {
    "plot_activation_functions",
    "plot_numerical_stability",
    "plot_logic_gates",
    "plot_universal_approximation",
    "plot_depth_vs_width",
    "plot_backprop_by_hand",
    "plot_solvers",
    "plot_dropin",
}


def test_activation_functions(run_script):
    ns, out, figures = run_script("plot_activation_functions")
    assert figures >= 3
    min_f, max_f, max_df = ns["ranges"]["sigmoid"]
    assert 0 < min_f and max_f <= 1 and max_df == 0.25  # sigmoid' peaks at 1/4
    assert ns["ranges"]["tanh"][:2] == (-1.0, 1.0)
    assert ns["ranges"]["step (Rosenblatt)"][2] == 0.0  # no gradient to follow
    # Saturation: the sigmoid network's first layer gets ~nothing back.
    logistic, relu = ns["grad_norms"]["logistic"], ns["grad_norms"]["relu"]
    assert logistic[0] / logistic[-1] < 1e-6
    assert relu[0] / relu[-1] > 1e-3
    assert "sigmoid' < 1e-2 for |z| > 4.5" in out


def test_numerical_stability(run_script):
    ns, out, figures = run_script("plot_numerical_stability")
    assert figures >= 1
    for name, (naive, stable) in ns["errors"].items():
        assert stable.max() <= 2, f"skffnn's {name} is off by {stable.max()} ULP"
        assert not np.isfinite(naive).all() or naive.max() > 1e6, name
    # The naive formulas overflow and NumPy says so; skffnn never warns (the
    # script evaluates it with warnings as errors).
    assert all(ns["warned"].values())
    assert "overflow encountered in exp" in out


def test_logic_gates(run_script):
    ns, _, figures = run_script("plot_logic_gates")
    assert figures >= 3
    assert ns["counts"]["AND"] > 0 and ns["counts"]["OR"] > 0
    assert ns["counts"]["XOR"] == 0
    for name, (w, t) in ns["HAND_PICKED"].items():
        assert np.array_equal(ns["perceptron"](w, t), ns["TARGETS"][name])
    assert ns["scores"]["no hidden layer"] <= 0.75
    assert ns["scores"]["one hidden layer (4 tanh)"] == 1.0


def test_universal_approximation(run_script):
    ns, _, figures = run_script("plot_universal_approximation")
    assert figures >= 2
    res = ns["results"]
    staircase = {n: r[0] for n, r in res.items()}
    trained = {n: r[1] for n, r in res.items()}
    widths = sorted(res)
    # The constructed staircase: error ~ max|f'| / (2 (n + 1)), shrinking.
    for a, b in itertools.pairwise(widths[2:]):
        assert staircase[b] < staircase[a]
    # Trained networks: much better than width 1, and than the staircase.
    assert trained[widths[-1]] < trained[widths[0]] / 10
    assert min(trained[n] for n in widths if n >= 8) < 0.15
    assert all(trained[n] < staircase[n] for n in widths)


def test_depth_vs_width(run_script):
    ns, _, figures = run_script("plot_depth_vs_width")
    assert figures >= 2
    for k, (deep_params, shallow_params, deep_err, shallow_err) in ns["exact"].items():
        assert deep_err < 1e-9 and shallow_err < 1e-9
        assert deep_params == 6 * k + 1
        assert shallow_params == 3 * 2**k + 1
    scores, pairs = ns["scores"], ns["pairs"]
    assert scores.shape == (len(ns["SHAPES"]), len(ns["ACTIVATIONS"]))
    assert pairs.shape == (4, 4) and np.isfinite(pairs).all()
    relu, tanh = ns["ACTIVATIONS"].index("relu"), ns["ACTIVATIONS"].index("tanh")
    # What the text says: ReLU stalls at every shape, tanh fits the teeth.
    assert scores[:, relu].max() < 0.7
    assert scores[:, tanh].max() > 0.9


def test_backprop_by_hand(run_script):
    ns, out, figures = run_script("plot_backprop_by_hand")
    assert figures >= 3
    assert ns["graph"] == {"f": -12.0, "x": -4.0, "y": -4.0, "z": 3.0}
    assert round(ns["out"], 2) == 0.73
    assert {k: round(v, 2) for k, v in ns["neuron"].items()} == {
        "w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20,
    }  # fmt: skip
    assert math.isclose(ns["net_out"], ns["out"], rel_tol=1e-14)
    for k, v in ns["network_grads"].items():
        assert math.isclose(v, ns["neuron"][k], rel_tol=1e-12)
    for full, cheap in ns["errors"].values():
        assert full < 1e-6 and cheap < 1e-6
    assert ns["bug"] > 1e-2
    assert "df/dx1 = -0.59" in out


def test_solvers(run_script):
    ns, _, figures = run_script("plot_solvers")
    assert figures >= 1
    curves = ns["curves"]
    for problem in ns["PROBLEMS"]:
        final = {name: curves[problem, name][-1] for name in ns["SOLVERS"]}
        assert min(final, key=final.get) == "lbfgs", problem
        assert final["sgd, constant, momentum"] < final["sgd, constant, no momentum"], (
            problem
        )
        for name, curve in ((n, curves[problem, n]) for n in ns["SOLVERS"]):
            assert np.isfinite(curve).all(), (problem, name)


def test_dropin(run_script):
    ns, out, figures = run_script("plot_dropin")
    assert figures >= 2
    for solver in ns["SETTINGS"]:
        ours, theirs = (
            ns["models"][solver, "skffnn"],
            ns["models"][solver, "scikit-learn"],
        )
        assert np.array_equal(ours.predict(ns["X_test"]), theirs.predict(ns["X_test"]))
        assert ns["scores"][solver, "skffnn"] == ns["scores"][solver, "scikit-learn"]
    least = ns["least"]
    saturated = ns["saturated"]
    assert saturated.any() and not saturated[0]
    # skffnn's predict_log_proba is scikit-learn's: -inf at the same factors.
    assert np.array_equal(
        np.isneginf(least["scikit-learn predict_log_proba"]), saturated
    )
    assert np.isfinite(least["skffnn exact_log_proba"]).all()
    assert "100.0% identical test predictions" in out


def test_quickstart(capsys, monkeypatch):
    # The README's first command; it needs only the runtime dependencies.
    module = runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="quickstart")
    result = module["main"](threads=1, repeats=1)
    out = capsys.readouterr().out
    assert result["same"] == 1.0
    assert np.isfinite(result["exact"]).all()
    assert "predict_log_proba gives -inf." in out
    assert "every fit on 1 BLAS thread(s)" in out
    assert "matplotlib" not in (EXAMPLES / "quickstart.py").read_text()


OTHERS = sorted(p.stem for p in EXAMPLES.glob("plot_*.py") if p.stem not in TESTED_HERE)


@pytest.mark.parametrize("name", OTHERS)
def test_other_gallery_scripts_run_and_draw(run_script, name):
    if os.environ.get("CI"):
        pytest.skip("CI's docs build runs it; tests/test_docs.py checks its figures")
    _, _, figures = run_script(name)
    assert figures >= 1, f"{name} draws no figure"


def test_every_example_is_a_gallery_script_or_the_quickstart():
    scripts = {p.stem for p in EXAMPLES.glob("*.py")}
    assert scripts - {"quickstart"} == {s for s in scripts if s.startswith("plot_")}
    assert TESTED_HERE <= scripts, sorted(TESTED_HERE - scripts)
