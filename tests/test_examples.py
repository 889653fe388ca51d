"""Run every example script of the gallery and check the claim it makes.

Also run every Python block of the documentation pages, and check that the
excerpts of skffnn's source quoted in them (a block preceded by
``<!-- excerpt: path first-last -->``) still match those lines of the source.

Each example defines ``main()``, which prints its results and returns them; the
script is loaded with ``runpy`` (so its ``if __name__ == "__main__"`` block does
not run) and ``main()`` is called on one BLAS thread (conftest's
``single_threaded_blas``): the networks are tiny, and on a busy machine BLAS
threads only add overhead.
"""

import itertools
import math
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DOC_PAGES = ("index.md", "user_guide.md", "backprop.md")
_DOC_BLOCK = re.compile(
    r"(?:<!-- excerpt: (?P<path>\S+) (?P<first>\d+)-(?P<last>\d+) -->\n)?"
    r"```python\n(?P<code>.*?)```",
    re.DOTALL,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_threaded_blas")]


def run_example(name, capsys):
    """Run ``examples/<name>.py``'s main(); return (its result, its printed text)."""
    module = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")
    result = module["main"]()
    out = capsys.readouterr().out
    assert out.strip(), f"{name} printed nothing"
    return result, out


def test_every_example_is_tested():
    scripts = {p.stem for p in EXAMPLES.glob("*.py")}
    tested = {
        name.removeprefix("test_")
        for name, obj in globals().items()
        if name.startswith("test_") and callable(obj)
    }
    assert scripts <= tested, f"untested examples: {sorted(scripts - tested)}"


def test_quickstart(capsys):
    _, out = run_example("quickstart", capsys)
    assert "100.0% identical predictions" in out
    # The exact log-probability is finite where np.log(predict_proba) is -inf.
    far = next(line for line in out.splitlines() if line.startswith("Far-out"))
    assert far.endswith("gives -inf.") and "probability -inf" not in far


def test_activation_functions(capsys):
    res, out = run_example("activation_functions", capsys)
    table = res["table"]
    assert set(table) == {"identity", "sigmoid", "tanh", "relu", "softplus"}
    assert table["sigmoid"][1].max() == 0.25  # sigmoid' peaks at 1/4, at x = 0
    # Saturation: the sigmoid network's first layer gets ~nothing back.
    logistic, relu = res["grad_norms"]["logistic"], res["grad_norms"]["relu"]
    assert logistic[0] / logistic[-1] < 1e-6
    assert relu[0] / relu[-1] > 1e-3
    # Naive formulas overflow; the stable ones return the exact values.
    np.testing.assert_array_equal(res["naive"]["log(1 + exp(x))"], [0.0, np.inf])
    np.testing.assert_array_equal(
        res["naive"]["log(1 / (1 + exp(-x)))"], [-np.inf, 0.0]
    )
    np.testing.assert_array_equal(res["stable"]["F.softplus(x)"], [0.0, 800.0])
    np.testing.assert_array_equal(res["stable"]["F.log_sigmoid(x)"], [-800.0, 0.0])
    assert "overflow encountered in exp" in out


def test_logic_gates(capsys):
    res, _ = run_example("logic_gates", capsys)
    counts = res["counts"]
    assert counts["AND"] > 0 and counts["OR"] > 0
    assert counts["XOR"] == 0
    assert res["scores"]["no hidden layer"] <= 0.75
    assert res["scores"]["one hidden layer (4)"] == 1.0


def test_backprop_by_hand(capsys):
    res, out = run_example("backprop_by_hand", capsys)
    assert res["graph"] == {"f": -12.0, "x": -4.0, "y": -4.0, "z": 3.0}
    out_value, grads = res["neuron"]
    assert round(out_value, 2) == 0.73
    assert {k: round(v, 2) for k, v in grads.items()} == {
        "w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20,
    }  # fmt: skip
    net_out, net_grads = res["network"]
    assert math.isclose(net_out, out_value, rel_tol=1e-14)
    for k, v in net_grads.items():
        assert math.isclose(v, grads[k], rel_tol=1e-12)
    for full, cheap in res["check_gradient"].values():
        assert full < 1e-6 and cheap < 1e-6
    assert res["buggy"] > 1e-2
    assert "df/dx1 = -0.59" in out


def test_universal_approximation(capsys):
    res, _ = run_example("universal_approximation", capsys)
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


def test_depth_vs_width(capsys):
    res, _ = run_example("depth_vs_width", capsys)
    for k, (deep_params, shallow_params, deep_err, shallow_err) in res["exact"].items():
        assert deep_err < 1e-9 and shallow_err < 1e-9
        assert deep_params == 6 * k + 1
        assert shallow_params == 3 * 2**k + 1
    trained = res["trained"]
    # Training from random starts does not find the 32-tooth sawtooth ...
    assert all(best < 0.5 for (k, _, _), (best, _) in trained.items() if k == 6)
    # ... nor the 4-tooth one in the exact construction's shape, (2, 2, 2) ReLU,
    assert trained[3, (2, 2, 2), "relu"][0] < 0.5
    # while a shallow tanh network does fit 4 teeth.
    assert max(trained[3, (11,), "tanh"][0], trained[3, (16,), "tanh"][0]) > 0.9


def test_per_layer_activations(capsys):
    res, out = run_example("per_layer_activations", capsys)
    search = res["search"]
    activations = [p["net__activation"] for p in search.cv_results_["params"]]
    assert ("tanh", "relu") in activations
    assert search.best_score_ > 0.95
    assert res["test_accuracy"] > 0.9
    assert "Best parameters" in out


def _doc_blocks(page):
    return list(_DOC_BLOCK.finditer((ROOT / "docs" / page).read_text()))


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_snippets_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # in case a snippet writes a file
    namespace = {"__name__": f"docs_{page}"}
    snippets = [m for m in _doc_blocks(page) if not m["path"]]
    assert snippets, f"no Python blocks in docs/{page}"
    for i, m in enumerate(snippets):
        exec(compile(m["code"], f"docs/{page} block {i}", "exec"), namespace)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_excerpts_match_the_source(page):
    for m in _doc_blocks(page):
        if not m["path"]:
            continue
        first, last = int(m["first"]), int(m["last"])
        source = (ROOT / m["path"]).read_text().splitlines()
        quoted = m["code"].rstrip("\n")
        assert "\n".join(source[first - 1 : last]) == quoted, (
            f"docs/{page}: the excerpt of {m['path']} lines {first}-{last} no "
            "longer matches the source; update the excerpt or its line numbers"
        )
