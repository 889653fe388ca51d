"""scikit-learn's own MLP test file, run against FFNClassifier and FFNRegressor.

Every test function of the installed ``sklearn.neural_network.tests.test_mlp`` is
re-exported here, so pytest collects it with its parametrize and filterwarnings
marks, but it runs in a copy of that module's namespace in which ``MLPClassifier``
and ``MLPRegressor`` name skffnn's classes. Nothing of the upstream file is copied
into this repository: a new scikit-learn release brings its new tests with it,
and a new upstream test is collected without editing this file.

Run it with::

    python -m pytest tests/test_sklearn_mlp_suite.py -q -p no:cacheprovider -rf

The harness hides no failure: a test that fails because skffnn behaves unlike
scikit-learn's MLP fails here. Only tests that reach private attributes or
methods of scikit-learn's implementation (its optimizer object, its gradient
buffers, its stopping counter) are out of scope; they are listed in ``EXCLUDED``
with the private name they use and reported as skipped with that reason.
Parametrizations that take the estimator classes (``MLPEstimator``,
``Estimator``) are rebuilt with skffnn's classes, and while a test runs,
building one of scikit-learn's MLPs raises, so no upstream test can silently
test scikit-learn instead of skffnn.

``global_random_seed`` comes from scikit-learn's conftest, which is not loaded
here; the fixture below reproduces it (seed 42, or the seeds named by
``SKLEARN_TESTS_GLOBAL_RANDOM_SEED``, as scikit-learn reads it).
"""

import os
import types

import pytest
import sklearn.neural_network
import sklearn.neural_network.tests.test_mlp as upstream

from skffnn import FFNClassifier, FFNRegressor

SKLEARN_MLPS = (
    sklearn.neural_network.MLPClassifier,
    sklearn.neural_network.MLPRegressor,
)
# What ``pytest.param`` returns; its class is not public API.
ParameterSet = type(pytest.param())
REPLACEMENTS = {
    sklearn.neural_network.MLPClassifier: FFNClassifier,
    sklearn.neural_network.MLPRegressor: FFNRegressor,
}

# Upstream tests that read or write private state of scikit-learn's MLP. The
# value names the private member each one needs.
EXCLUDED = {
    "test_fit": "sets _coef_grads, _intercept_grads, _coef_velocity, "
    "_intercept_velocity and _no_improvement_count before partial_fit",
    "test_gradient": "calls the private method _loss_grad_lbfgs",
    "test_learning_rate_warmstart": "reads _optimizer.learning_rate",
    "test_adaptive_learning_rate": "reads _optimizer.learning_rate",
    "test_n_iter_no_change": "reads _no_improvement_count",
    "test_n_iter_no_change_inf": "reads _no_improvement_count",
}

UPSTREAM_TESTS = list(
    name
    for name, obj in vars(upstream).items()
    if name.startswith("test_") and isinstance(obj, types.FunctionType)
)

# The namespace the upstream tests run in: the upstream module's globals with
# the estimator names bound to skffnn's classes. Copying it leaves the imported
# module, and any other user of it, untouched.
NAMESPACE = dict(vars(upstream))
NAMESPACE["MLPClassifier"] = FFNClassifier
NAMESPACE["MLPRegressor"] = FFNRegressor


def _swap(value):
    """Return ``value`` with scikit-learn's MLP classes replaced by skffnn's."""
    if isinstance(value, ParameterSet):
        return value._replace(values=tuple(_swap(v) for v in value.values))
    if isinstance(value, tuple):
        return tuple(_swap(v) for v in value)
    if isinstance(value, list):
        return [_swap(v) for v in value]
    if isinstance(value, type):
        return REPLACEMENTS.get(value, value)
    return value


def _uses_sklearn_mlp(value) -> bool:
    if isinstance(value, ParameterSet):
        return _uses_sklearn_mlp(value.values)
    if isinstance(value, (tuple, list)):
        return any(_uses_sklearn_mlp(v) for v in value)
    return isinstance(value, type) and value in SKLEARN_MLPS


def _rebind(func: types.FunctionType) -> types.FunctionType:
    """Copy an upstream test so that it runs in ``NAMESPACE`` with our classes.

    The parametrize marks are evaluated when the upstream module is imported, so
    their argument values hold scikit-learn's classes; they are rebuilt here.
    """
    clone = types.FunctionType(
        func.__code__, NAMESPACE, func.__name__, func.__defaults__, func.__closure__
    )
    clone.__doc__ = func.__doc__
    clone.__qualname__ = func.__qualname__
    clone.__kwdefaults__ = func.__kwdefaults__
    marks = []
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize":
            names, values, *rest = mark.args
            mark = pytest.mark.parametrize(
                names, _swap(values), *rest, **mark.kwargs
            ).mark
            assert not _uses_sklearn_mlp(mark.args), func.__name__
        marks.append(mark)
    if func.__name__ in EXCLUDED:
        marks.append(
            pytest.mark.skip(reason=f"out of scope: {EXCLUDED[func.__name__]}").mark
        )
    clone.pytestmark = marks
    return clone


for _name in UPSTREAM_TESTS:
    globals()[_name] = _rebind(getattr(upstream, _name))
del _name


def _global_random_seeds() -> list[int]:
    """The seeds scikit-learn's conftest gives ``global_random_seed``."""
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        return [42]
    if value == "all":
        return list(range(100))
    if "-" in value:
        start, stop = value.split("-")
        return list(range(int(start), int(stop) + 1))
    return [int(value)]


@pytest.fixture(params=_global_random_seeds())
def global_random_seed(request) -> int:
    """Stand-in for the fixture of the same name in scikit-learn's conftest."""
    return request.param


@pytest.fixture(autouse=True)
def _sklearn_mlps_unusable(monkeypatch):
    """Make building scikit-learn's MLPs fail while an upstream test runs."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(
            f"{type(self).__name__} from scikit-learn was built inside the "
            "harness; the test must run against skffnn's classes"
        )

    for cls in SKLEARN_MLPS:
        monkeypatch.setattr(cls, "__init__", refuse)


def test_harness_collects_every_upstream_test_with_skffnn_classes():
    """Pins down the harness itself: nothing upstream is dropped or left on sklearn."""
    assert set(EXCLUDED) <= set(UPSTREAM_TESTS), "stale exclusion"
    assert NAMESPACE["MLPClassifier"] is FFNClassifier
    assert NAMESPACE["MLPRegressor"] is FFNRegressor
    assert not any(
        value in SKLEARN_MLPS for value in NAMESPACE.values() if isinstance(value, type)
    )
    for name in UPSTREAM_TESTS:
        local = globals()[name]
        assert local.__globals__ is NAMESPACE, name
        for mark in local.pytestmark:
            assert not _uses_sklearn_mlp(mark.args), name
    with pytest.raises(AssertionError, match="built inside the harness"):
        sklearn.neural_network.MLPClassifier()
