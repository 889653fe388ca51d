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
import re
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
from matplotlib.colors import to_hex  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_threaded_blas")]


# The site shows a figure in a column about 610 px wide (at a 1280-px window);
# wider figures are scaled down, and their text with them. At 100 dpi and at
# most 8 inches, text keeps at least 3/4 of its size (10-pt ticks: >= 10 px).
MAX_FIGURE_INCHES = 8.0


def _legend_boxes(fig):
    """``(axes or None, legend bbox in pixels)`` of every legend of ``fig``."""
    boxes = [(None, legend) for legend in fig.legends]
    boxes += [(ax, ax.get_legend()) for ax in fig.axes if ax.get_legend()]
    renderer = fig.canvas.get_renderer()
    return [(ax, leg.get_window_extent(renderer)) for ax, leg in boxes]


def _line_pixels(line):
    """Points along a drawn line in pixels, each segment sampled finely."""
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if line.get_linestyle() in ("None", "", " ") or len(xy) < 2:
        return xy
    t = np.linspace(0.0, 1.0, 25)[:, None, None]
    return (xy[:-1] + t * (xy[1:] - xy[:-1])).reshape(-1, 2)


def _inside(box, pixels):
    (x0, y0), (x1, y1) = box.get_points()
    x, y = pixels[:, 0], pixels[:, 1]
    return (x > x0) & (x < x1) & (y > y0) & (y < y1)


def check_figures_read_well(name, figures):
    """What a reader of the gallery page needs from every figure.

    - at most ``MAX_FIGURE_INCHES`` wide (readable text in the page's column);
    - no legend covers a drawn line, marker or bar of its axes (or, for a
      figure legend, of any axes);
    - the entries of a legend are told apart: no two share colour, line
      style and marker.
    """
    problems = []
    for number, fig in enumerate(figures, 1):
        where = f"{name} figure {number}"
        width = fig.get_figwidth()
        if width > MAX_FIGURE_INCHES:
            problems.append(f"{where} is {width:.1f} in wide (> {MAX_FIGURE_INCHES})")
        fig.canvas.draw()
        for owner, box in _legend_boxes(fig):
            inner = box.padded(-2)  # the frame's own edge may touch a bar
            for ax in [owner] if owner is not None else fig.axes:
                for line in ax.get_lines():
                    if not line.get_visible():
                        continue
                    pixels = _line_pixels(line)
                    # What the axes clip away is not drawn.
                    pixels = pixels[_inside(ax.get_window_extent().padded(1), pixels)]
                    if pixels.size and _inside(inner, pixels).any():
                        problems.append(
                            f"{where}: the legend covers {line.get_label()!r}"
                        )
                for patch in ax.patches:
                    extent = patch.get_window_extent()
                    if patch.get_visible() and extent.overlaps(inner):
                        problems.append(f"{where}: the legend covers a bar")
        for legend in fig.legends + [a.get_legend() for a in fig.axes]:
            if legend is None:
                continue
            styles = {}
            for handle, text in zip(legend.legend_handles, legend.get_texts()):
                if hasattr(handle, "get_linestyle") and hasattr(handle, "get_marker"):
                    key = (
                        matplotlib.colors.to_hex(handle.get_color()),
                        handle.get_linestyle(),
                        handle.get_marker(),
                    )
                else:
                    key = (matplotlib.colors.to_hex(handle.get_facecolor()),)
                styles.setdefault(key, []).append(text.get_text())
            problems += [
                f"{where}: legend entries {labels} look the same"
                for labels in styles.values()
                if len(labels) > 1
            ]
    return sorted(set(problems))


def check_printed_for_a_reader(name, out):
    """The gallery page shows what a script prints: no raw object or dict."""
    problems = []
    for line in out.splitlines():
        if re.search(r"object at 0x[0-9a-f]+", line):
            problems.append(f"{name} prints a repr: {line}")
        if re.fullmatch(r"\s*\{['\"].*\}\s*", line):
            problems.append(f"{name} prints a raw dict: {line[:80]}")
    return problems


@pytest.fixture
def run_script(tmp_path, monkeypatch, capsys):
    """Run ``examples/<name>.py``; return (its globals, printed text, figures).

    Every figure is checked with :func:`check_figures_read_well` and the
    printed text with :func:`check_printed_for_a_reader`.
    """

    def run(name):
        monkeypatch.chdir(tmp_path)  # a script may write files
        plt.close("all")
        try:
            namespace = runpy.run_path(
                str(EXAMPLES / f"{name}.py"), run_name="__main__"
            )
            figures = [plt.figure(n) for n in plt.get_fignums()]
            problems = check_figures_read_well(name, figures)
        finally:
            plt.close("all")
        out = capsys.readouterr().out
        assert out.strip(), f"{name} printed nothing"
        problems += check_printed_for_a_reader(name, out)
        assert not problems, "\n".join(problems)
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
    assert len(figures) >= 3
    min_f, max_f, max_df = ns["ranges"]["sigmoid"]
    assert 0 < min_f and max_f <= 1 and max_df == 0.25  # sigmoid' peaks at 1/4
    assert ns["ranges"]["tanh"][:2] == (-1.0, 1.0)
    assert ns["ranges"]["step (Rosenblatt)"][2] == 0.0  # no gradient to follow
    # Saturation: the sigmoid network's first layer gets ~nothing back.
    logistic, relu = ns["grad_norms"]["logistic"], ns["grad_norms"]["relu"]
    assert logistic[0] / logistic[-1] < 1e-6
    assert relu[0] / relu[-1] > 1e-3
    assert "sigmoid' < 1e-2 for |z| > 4.5" in out
    # Each function has one colour in all three figures, and the saturation
    # shading of the sigmoid and tanh is in their colour.
    colours = {}
    for fig in figures:
        for line in fig.axes[0].get_lines():
            name = {"logistic": "sigmoid"}.get(line.get_label(), line.get_label())
            if name in ns["ACTIVATIONS"]:
                colours.setdefault(name, set()).add(to_hex(line.get_color()))
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len(set().union(*colours.values())) == len(colours)
    shading = [c for c in figures[1].axes[0].collections if c.get_paths()]
    shaded = {c.get_label().strip("_"): to_hex(c.get_facecolor()[0]) for c in shading}
    assert shaded == {name: colours[name].pop() for name in ("sigmoid", "tanh")}


def test_numerical_stability(run_script):
    ns, out, figures = run_script("plot_numerical_stability")
    assert len(figures) >= 1
    for name, (naive, stable) in ns["errors"].items():
        assert stable.max() <= 2, f"skffnn's {name} is off by {stable.max()} ULP"
        assert not np.isfinite(naive).all() or naive.max() > 1e6, name
    # The naive formulas overflow and NumPy says so; skffnn never warns (the
    # script evaluates it with warnings as errors).
    assert all(ns["warned"].values())
    assert "overflow encountered in exp" in out


def test_logic_gates(run_script):
    ns, _, figures = run_script("plot_logic_gates")
    assert len(figures) >= 3
    assert ns["counts"]["AND"] > 0 and ns["counts"]["OR"] > 0
    assert ns["counts"]["XOR"] == 0
    for name, (w, t) in ns["HAND_PICKED"].items():
        assert np.array_equal(ns["perceptron"](w, t), ns["TARGETS"][name])
    assert ns["scores"]["no hidden layer"] <= 0.75
    assert ns["scores"]["one hidden layer (4 tanh)"] == 1.0


def test_universal_approximation(run_script):
    ns, _, figures = run_script("plot_universal_approximation")
    assert len(figures) >= 2
    res = ns["results"]
    staircase = {n: r[0] for n, r in res.items()}
    trained = {n: r[1] for n, r in res.items()}
    widths = sorted(res)
    # The constructed staircase, as the text says: no shrinking at widths 2
    # and 4 (it grows from 2 to 4), then roughly halving with every doubling,
    # under the bound max|f'| / (2 (n + 1)).
    assert staircase[4] > staircase[2]
    for a, b in itertools.pairwise(widths[3:]):
        assert 0.4 < staircase[b] / staircase[a] < 0.65, (a, b)
    slope = ns["slope"]
    assert all(staircase[n] <= slope / (2 * (n + 1)) for n in widths[3:])
    # Trained networks: much better than width 1, and than the staircase.
    assert trained[widths[-1]] < trained[widths[0]] / 10
    assert min(trained[n] for n in widths if n >= 8) < 0.15
    assert all(trained[n] < staircase[n] for n in widths)


def test_depth_vs_width(run_script):
    ns, _, figures = run_script("plot_depth_vs_width")
    assert len(figures) >= 2
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
    assert len(figures) >= 3
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
    assert len(figures) >= 1
    curves = ns["curves"]
    digits = {n: curves[next(iter(ns["PROBLEMS"])), n][-1] for n in ns["SOLVERS"]}
    assert digits["sgd, constant, momentum"] < digits["sgd, constant, no momentum"] / 5
    assert digits["sgd, invscaling, Nesterov"] > digits["sgd, constant, no momentum"]
    for problem in ns["PROBLEMS"]:
        final = {name: curves[problem, name][-1] for name in ns["SOLVERS"]}
        assert min(final, key=final.get) == "lbfgs", problem
        assert final["sgd, constant, momentum"] < final["sgd, constant, no momentum"], (
            problem
        )
        # What the text says: adaptive below momentum; invscaling level with
        # plain SGD (within 1 %) or above it (digits).
        assert final["sgd, adaptive, Nesterov"] < final["sgd, constant, momentum"]
        plain = final["sgd, constant, no momentum"]
        assert final["sgd, invscaling, Nesterov"] > 0.99 * plain
        for name, curve in ((n, curves[problem, n]) for n in ns["SOLVERS"]):
            assert np.isfinite(curve).all(), (problem, name)


def test_dropin(run_script):
    ns, out, figures = run_script("plot_dropin")
    assert len(figures) >= 2
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


# Scripts that need an optional extra beyond docs: (an import, the extra).
NEEDS_EXTRA = {"plot_array_api": ("torch", "array-api")}


@pytest.mark.parametrize("name", OTHERS)
def test_other_gallery_scripts_run_and_draw(run_script, name):
    if os.environ.get("CI"):
        pytest.skip("CI's docs build runs it; tests/test_docs.py checks its figures")
    if name in NEEDS_EXTRA:
        require_extra(*NEEDS_EXTRA[name])
    _, _, figures = run_script(name)
    assert len(figures) >= 1, f"{name} draws no figure"


def test_every_example_is_a_gallery_script_or_the_quickstart():
    scripts = {p.stem for p in EXAMPLES.glob("*.py")}
    assert scripts - {"quickstart"} == {s for s in scripts if s.startswith("plot_")}
    assert TESTED_HERE <= scripts, sorted(TESTED_HERE - scripts)
