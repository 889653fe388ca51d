"""Every public constructor argument, at a non-default value, with its effect asserted.

For the estimators the oracle is scikit-learn's MLP given the same argument:
our fit with the argument changed must be scikit-learn's fit with it changed
(weights, iterations, loss curve), and must differ from our fit at the default,
so that an argument the code ignores cannot pass. The table must name every
constructor parameter of both estimators: a parameter added later fails
``test_every_constructor_parameter_is_exercised`` until it has a row.

The arguments scikit-learn's MLP does not have are checked against their own
oracles: ``class_weight`` against the same fit with the class weights spelled
out as sample weights, ``activation='softplus'`` against finite differences
(``skffnn.utils.check_gradient``), and the other public constructors and
functions (``ProgressBar`` is in tests/test_pinned_paths.py) against what
their documentation promises.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import skffnn
from skffnn import FFNClassifier, FFNRegressor, SkffnnVersionWarning

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

_X, _Y = load_iris(return_X_y=True)
X_CLF = StandardScaler().fit_transform(_X)
Y_CLF = _Y
X_REG, Y_REG = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
Y_REG = Y_REG / Y_REG.std()

BASE = dict(hidden_layer_sizes=(6,), max_iter=8, random_state=0)

# (parameter, non-default value, the other parameters it needs to show its
# effect). One row per constructor parameter; several rows where one value
# alone leaves a path untried.
ROWS = [
    ("hidden_layer_sizes", (4, 3), {}),
    ("activation", "tanh", {}),
    ("activation", "logistic", {"solver": "lbfgs"}),
    ("activation", "identity", {"solver": "sgd"}),
    ("solver", "sgd", {}),
    ("solver", "lbfgs", {}),
    ("alpha", 0.5, {}),
    ("alpha", 0.5, {"solver": "lbfgs"}),
    ("batch_size", 17, {}),
    ("learning_rate", "invscaling", {"solver": "sgd", "learning_rate_init": 0.1}),
    ("learning_rate", "adaptive",
     {"solver": "sgd", "tol": 0.05, "n_iter_no_change": 1, "max_iter": 20}),
    ("learning_rate_init", 0.05, {}),
    ("power_t", 0.2,
     {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.1}),
    ("max_iter", 3, {}),
    ("max_iter", 3, {"solver": "lbfgs"}),
    ("shuffle", False, {}),
    ("random_state", 7, {}),
    ("tol", 0.05, {"max_iter": 40, "n_iter_no_change": 2}),
    ("tol", 1e-2, {"solver": "lbfgs", "max_iter": 200}),
    ("verbose", True, {}),
    ("warm_start", True, {}),
    ("momentum", 0.3, {"solver": "sgd"}),
    ("nesterovs_momentum", False, {"solver": "sgd"}),
    ("early_stopping", True, {}),
    ("validation_fraction", 0.3, {"early_stopping": True}),
    ("beta_1", 0.5, {}),
    ("beta_2", 0.9, {}),
    ("epsilon", 1e-2, {}),
    ("n_iter_no_change", 2, {"tol": 0.05, "max_iter": 40}),
    ("max_fun", 12, {"solver": "lbfgs", "max_iter": 50}),
    ("loss", "poisson", {}),
]  # fmt: skip
DEFAULTS_ONLY_OURS = {"class_weight"}  # checked against sample weights below

PAIRS = {
    "classifier": (FFNClassifier, MLPClassifier),
    "regressor": (FFNRegressor, MLPRegressor),
}


def _data(kind, name):
    if kind == "classifier":
        return X_CLF, Y_CLF
    if name == "loss":  # Poisson targets: positive
        return X_REG, np.exp(Y_REG / 2)
    return X_REG, Y_REG


def _fit(est, X, y):
    """Fit (twice for warm_start: the second fit continues the first) and print."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        if est.warm_start:
            est.fit(X, y)
    return out.getvalue()


def _summary(est, printed):
    return dict(
        weights=est.coefs_ + est.intercepts_,
        n_iter=est.n_iter_,
        loss=est.loss_,
        printed=printed,
        validation=getattr(est, "validation_scores_", None),
    )


def _differs(a, b):
    if a["n_iter"] != b["n_iter"] or a["printed"] != b["printed"]:
        return True
    if [w.shape for w in a["weights"]] != [w.shape for w in b["weights"]]:
        return True
    return any(
        not np.array_equal(p, q) for p, q in zip(a["weights"], b["weights"])
    ) or (a["validation"] is None) != (b["validation"] is None)


def _rows_for(kind):
    for name, value, needs in ROWS:
        if name == "loss" and kind == "classifier":
            continue  # the classifier's loss is not a parameter (as sklearn's)
        yield pytest.param(kind, name, value, needs, id=f"{kind}-{name}={value!r}")


@pytest.mark.parametrize(
    "kind, name, value, needs", [*_rows_for("classifier"), *_rows_for("regressor")]
)
def test_non_default_argument_changes_the_fit_as_it_changes_sklearns(
    kind, name, value, needs
):
    ours_class, their_class = PAIRS[kind]
    X, y = _data(kind, name)
    params = {**BASE, **needs}
    if kind == "regressor" and name != "loss" and params.get("solver") != "lbfgs":
        params.setdefault("learning_rate_init", 0.01)
    changed = {**params, name: value}
    ours = ours_class(**changed)
    theirs = their_class(**changed)
    a = _summary(ours, _fit(ours, X, y))
    b = _summary(theirs, _fit(theirs, X, y))
    default = ours_class(**params)
    c = _summary(default, _fit(default, X, y))
    # scikit-learn's fit with the same argument ...
    assert a["n_iter"] == b["n_iter"]
    assert a["printed"] == b["printed"]
    assert [w.shape for w in a["weights"]] == [w.shape for w in b["weights"]]
    lbfgs = changed.get("solver") == "lbfgs"
    for p, q in zip(a["weights"], b["weights"]):
        assert_allclose(p, q, rtol=0, atol=1e-8 if lbfgs else 1e-10)
    assert_allclose(a["loss"], b["loss"], rtol=1e-9)
    if a["validation"] is not None or b["validation"] is not None:
        assert_allclose(a["validation"], b["validation"], rtol=1e-10)
    # ... which is not the fit at the default.
    assert _differs(a, c), f"{name}={value!r} had no effect"


@pytest.mark.parametrize("ours", [FFNClassifier, FFNRegressor])
def test_every_constructor_parameter_is_exercised(ours):
    covered = {name for name, _, _ in ROWS} | DEFAULTS_ONLY_OURS
    params = set(inspect.signature(ours).parameters)
    assert params <= covered, f"no row for {sorted(params - covered)}"


# -- the extras: no scikit-learn counterpart ------------------------------------------
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize(
    "class_weight", [{0: 3.0, 1: 1.0, 2: 0.25}, "balanced"], ids=["dict", "balanced"]
)
def test_class_weight_is_the_fit_with_those_sample_weights(class_weight, solver):
    # Unbalanced data, so that 'balanced' is not uniform.
    keep = np.r_[0:50, 50:70, 100:150]
    X, y = X_CLF[keep], Y_CLF[keep]
    params = dict(BASE, solver=solver)
    weighted = FFNClassifier(class_weight=class_weight, **params)
    _fit(weighted, X, y)
    oracle = FFNClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        oracle.fit(X, y, sample_weight=compute_sample_weight(class_weight, y))
    plain = FFNClassifier(**params)
    _fit(plain, X, y)
    for p, q in zip(weighted.coefs_, oracle.coefs_):
        assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(weighted.coefs_[0], plain.coefs_[0])


def test_softplus_activation_trains_on_its_own_exact_gradient():
    from skffnn.network import Network
    from skffnn.utils import check_gradient

    net = Network([4, 5, 3], activation="softplus", loss="log_loss")
    theta = net.init_params(np.random.RandomState(0))
    Y = np.eye(3)[Y_CLF[:20]]
    check = check_gradient(net, theta, X_CLF[:20, :4], Y, random_state=0)
    assert check.passed and float(check) <= check.tolerance
    relu = FFNClassifier(activation="relu", **BASE)
    soft = FFNClassifier(activation="softplus", **BASE)
    _fit(relu, X_CLF, Y_CLF)
    _fit(soft, X_CLF, Y_CLF)
    assert not np.array_equal(relu.coefs_[0], soft.coefs_[0])


def test_version_warning_arguments_are_keyword_only_and_named_in_its_message():
    w = SkffnnVersionWarning(
        estimator_name="FFNRegressor", current_version="2.0", original_version="1.5"
    )
    assert (w.estimator_name, w.current_version, w.original_version) == (
        "FFNRegressor",
        "2.0",
        "1.5",
    )
    assert str(w).startswith(
        "Loading FFNRegressor saved with skffnn 1.5 into skffnn 2.0"
    )
    with pytest.raises(TypeError):
        SkffnnVersionWarning("FFNRegressor", "2.0", "1.5")


def test_version_warning_points_at_the_line_that_loads_the_pickle(monkeypatch):
    import pickle

    blob = pickle.dumps(FFNRegressor())
    monkeypatch.setattr(skffnn, "__version__", "0.0.0-other")
    with pytest.warns(SkffnnVersionWarning) as record:
        pickle.loads(blob)  # the warning names this line, not skffnn's
    assert record[0].filename == __file__


def test_network_arguments_change_what_it_computes():
    from skffnn.network import Network

    rs = np.random.RandomState(0)
    X = rs.normal(size=(7, 4))
    base = Network([4, 5, 2])
    theta = base.init_params(np.random.RandomState(1))
    tanh = Network([4, 5, 2], activation="tanh")
    assert not np.array_equal(base.forward(theta, X), tanh.forward(theta, X))
    poisson = Network([4, 5, 2], loss="poisson")
    # the same scores through another link: exp
    assert_allclose(
        poisson.head.link(poisson.forward(theta, X)),
        np.exp(base.forward(theta, X)),
        rtol=1e-15,
    )
    f32 = Network([4, 5, 2], dtype=np.float32)
    assert f32.forward(theta.astype(np.float32), X.astype(np.float32)).dtype == (
        np.float32
    )


def test_layer_grid_arguments_change_the_grid():
    from skffnn.model_selection import layer_grid

    plain = layer_grid([(3, 2)], ["relu", "tanh"])
    assert plain == [{"hidden_layer_sizes": [(3, 2)], "activation": ["relu", "tanh"]}]
    per_layer = layer_grid([(3, 2)], ["relu", "tanh"], per_layer=True)
    # one activation per hidden layer: every one of the 2 x 2 pairs
    assert sorted(per_layer[0]["activation"]) == [
        ("relu", "relu"), ("relu", "tanh"), ("tanh", "relu"), ("tanh", "tanh"),
    ]  # fmt: skip
    prefixed = layer_grid([(3, 2)], ["relu"], prefix="net__")
    assert prefixed == [
        {"net__hidden_layer_sizes": [(3, 2)], "net__activation": ["relu"]}
    ]


def test_check_gradient_arguments_are_used():
    from skffnn.network import Network
    from skffnn.utils import check_gradient

    net = Network([3, 4, 1])
    theta = net.init_params(np.random.RandomState(0))
    X, Y = np.random.RandomState(1).normal(size=(6, 3)), np.ones((6, 1))
    wide = check_gradient(net, theta, X, Y, eps=1e-3, random_state=0)
    narrow = check_gradient(net, theta, X, Y, eps=1e-6, random_state=0)
    assert (wide.eps, narrow.eps) == (1e-3, 1e-6)
    assert float(wide) != float(narrow)
    a = check_gradient(net, theta, X, Y, n_directions=2, random_state=0)
    b = check_gradient(net, theta, X, Y, n_directions=2, random_state=1)
    assert float(a) != float(b)  # other random directions
    # alpha and sample_weight reach the gradient being checked: a wrong
    # penalty or weighting would show as an error far above the tolerance.
    w = np.array([1.0, 0.0, 2.0, 3.0, 0.5, 1.0])
    check = check_gradient(net, theta, X, Y, w, alpha=0.7, random_state=0)
    assert check.passed and float(check) <= check.tolerance
    assert_array_equal(w, [1.0, 0.0, 2.0, 3.0, 0.5, 1.0])


def test_auto_batch_size_is_sklearns_200_rows_when_there_are_more():
    # The table's data sets have fewer than 200 rows, where 'auto' is every
    # row; with 250 rows 'auto' must be scikit-learn's min(200, n_samples).
    X, y = make_regression(n_samples=250, n_features=4, noise=1.0, random_state=1)
    y = y / y.std()
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    params["learning_rate_init"] = 0.01
    ours, theirs = FFNRegressor(**params), MLPRegressor(**params)
    a, b = _summary(ours, _fit(ours, X, y)), _summary(theirs, _fit(theirs, X, y))
    assert a["n_iter"] == b["n_iter"] == 3
    for p, q in zip(a["weights"], b["weights"]):
        assert_allclose(p, q, rtol=0, atol=1e-10)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
