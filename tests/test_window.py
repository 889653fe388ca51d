"""The supported window of versions: declared, pinned at its old end, and kept.

``pyproject.toml`` declares the oldest supported version of every dependency
and extra; ``.ci/oldest.txt`` pins exactly those for the second environment
that ``.ci/run`` tests; this module checks that the two agree, that the
installed versions are inside the window, and the behaviours that differ across
it (scikit-learn's helpers and callback API, what the extras bring).
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
from pathlib import Path

import numpy as np
import pytest
import tomllib
from _extras import require_extra
from numpy.testing import assert_allclose
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sklearn.datasets import make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skffnn import FFNClassifier, FFNRegressor, _callbacks

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OLDEST = ROOT / ".ci" / "oldest.txt"


def _requirements():
    """Every requirement of the package and its extras (not ``skffnn[...]``)."""
    lists = [PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"].values()]
    reqs = [Requirement(r) for group in lists for r in group]
    return [r for r in reqs if canonicalize_name(r.name) != "skffnn"]


def _lower_bounds():
    bounds = {}
    for req in _requirements():
        lows = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lows) == 1, f"{req}: give one lower bound (>=) for the window"
        bounds[canonicalize_name(req.name)] = lows[0]
    return bounds


def _oldest_pins():
    pins = {}
    for line in OLDEST.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{OLDEST.name}: {line!r} is not a name==version pin"
            pins[canonicalize_name(name)] = version
    return pins


def test_the_oldest_environment_pins_every_lower_bound_exactly():
    # The window's old end is what CI installs from .ci/oldest.txt: a bound
    # raised or lowered in pyproject.toml without the pin is an untested claim.
    assert _oldest_pins() == _lower_bounds()


def test_ci_runs_the_readme_test_command_at_both_ends_of_the_window():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    command = 'python -m pip install -e ".[all]" && python -m pytest'
    assert command in readme
    assert ci.count(command) == 2, "the newest environment and the oldest"
    assert '-c .ci/oldest.txt -e ".[all]"' in ci


@pytest.mark.parametrize("req", _requirements(), ids=str)
def test_the_installed_version_is_inside_the_window(req):
    try:
        installed = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        if os.environ.get("CI"):
            pytest.fail(f"CI installs every extra, but {req.name} is missing")
        pytest.skip(f"{req.name} (an optional extra) is not installed")
    assert req.specifier.contains(installed, prereleases=True), (
        f"{req.name} {installed} is outside the supported window {req}"
    )


def test_the_readme_states_the_window():
    readme = (ROOT / "README.md").read_text()
    for name, version in _lower_bounds().items():
        if name in {"numpy", "scipy", "scikit-learn", "joblib"}:
            assert re.search(rf"\| {name} \| {re.escape(version)} \|", readme), name


# -- what the installed scikit-learn decides -------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [(FFNClassifier, MLPClassifier), (FFNRegressor, MLPRegressor)],
    ids=["classifier", "regressor"],
)
def test_constructor_parameters_come_in_the_installed_sklearns_order(ours, theirs):
    # Positional calls and repr follow the constructor's order: scikit-learn's
    # parameters first, in the installed MLP's order, then skffnn's extras.
    their_names = list(inspect.signature(theirs).parameters)
    assert list(inspect.signature(ours).parameters)[: len(their_names)] == their_names


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("est", [FFNClassifier, FFNRegressor])
def test_all_zero_sample_weight_is_refused_with_sklearns_message(est, method):
    # scikit-learn 1.9 refuses all-zero weights; older helpers let them through
    # (their MLPs then divide by zero): skffnn refuses them on every version.
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    call = getattr(est(max_iter=2), method)
    kwargs = (
        {"classes": [0, 1]} if est is FFNClassifier and method == "partial_fit" else {}
    )
    with pytest.raises(ValueError, match="must contain at least one non-zero number"):
        call(X, y, sample_weight=np.zeros(10), **kwargs)


def test_without_sklearns_callback_api_estimators_fit_and_callbacks_name_the_version():
    if _callbacks.HAVE_CALLBACK_API:
        pytest.skip(
            "the installed scikit-learn has sklearn.callback (tested in "
            "tests/test_callbacks.py); this runs where it is older than 1.9"
        )
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    clf = FFNClassifier((4,), solver="lbfgs", max_iter=5, random_state=0)
    assert clf.fit(X, y).predict(X).shape == (20,)
    with pytest.raises(ImportError, match=r"set_callbacks needs scikit-learn >= 1\.9"):
        clf.set_callbacks()
    with pytest.raises(ImportError, match=r"ProgressBar needs scikit-learn >= 1\.9"):
        _callbacks.ProgressBar()


# -- what the extras bring ---------------------------------------------------------
def test_the_dask_extra_fits_a_dask_dataframe_as_in_memory():
    # The docs fit dask DataFrames: the extra brings dask.dataframe (and the
    # pyarrow it needs); the fit equals the in-memory one on the same rows.
    dd = require_extra("dask.dataframe", "dask")
    pd = require_extra("pandas", "test")
    X, y = make_regression(n_samples=90, n_features=3, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    ddf = dd.from_pandas(frame, npartitions=3)
    target = dd.from_pandas(pd.Series(y / 100), npartitions=3)
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=50, random_state=0)
    on_dask = FFNRegressor(**params).fit(ddf, target)
    in_memory = FFNRegressor(**params).fit(X, y / 100)
    for a, b in zip(on_dask.coefs_, in_memory.coefs_, strict=True):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert_allclose(
        np.asarray(on_dask.predict(ddf)), in_memory.predict(X), rtol=1e-9, atol=1e-12
    )
