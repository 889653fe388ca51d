"""Side-by-side parity with scikit-learn's MLPClassifier and MLPRegressor.

scikit-learn is the oracle: same constructor, same fitted attributes, same
initial weights and (for 'sgd' and 'adam') the same training trajectory to
rounding error, the same predictions from the same weights, the same errors
and warnings for the same misuse, and the same cross-validated accuracy.
"""

import contextlib
import inspect
import io
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _extras import require_sklearn_version
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.multiclass import unique_labels

from skffnn import FFNClassifier, FFNRegressor
from skffnn._losses import get_head
from skffnn.network import Network

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

PAIRS = [(FFNClassifier, MLPClassifier), (FFNRegressor, MLPRegressor)]
PAIR_IDS = ["classifier", "regressor"]
SOLVERS = ("sgd", "adam", "lbfgs")
STOCHASTIC = ("sgd", "adam")

# -- data ----------------------------------------------------------------------
_X_IRIS, _Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(_X_IRIS)
Y_IRIS = _Y_IRIS
X_REG, Y_REG2 = make_regression(
    n_samples=120, n_features=5, n_targets=2, noise=1.0, random_state=0
)
Y_REG2 = Y_REG2 / Y_REG2.std()
X_ML, Y_ML = make_multilabel_classification(
    n_samples=120, n_features=6, n_classes=3, random_state=0
)

# target kind -> (X, y, ours, sklearn's)
TARGETS = {
    "binary": (X_IRIS, (Y_IRIS == 1).astype(int), FFNClassifier, MLPClassifier),
    "multiclass": (X_IRIS, Y_IRIS, FFNClassifier, MLPClassifier),
    "multilabel": (X_ML, Y_ML, FFNClassifier, MLPClassifier),
    "regression": (X_REG, Y_REG2[:, 0], FFNRegressor, MLPRegressor),
    "multioutput-regression": (X_REG, Y_REG2, FFNRegressor, MLPRegressor),
}


def _max_weight_diff(a, b):
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    return max(float(np.max(np.abs(p - q))) for p, q in pairs)


def _assert_same_weights(ours, theirs, atol=1e-10):
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert _max_weight_diff(ours, theirs) <= atol


def _fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# -- the interface -------------------------------------------------------------
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_constructor_has_every_sklearn_parameter_with_the_same_default(ours, theirs):
    ours_params = inspect.signature(ours).parameters
    their_params = inspect.signature(theirs).parameters
    for name, param in their_params.items():
        assert name in ours_params, name
        assert ours_params[name].default == param.default, name
        # sklearn's regressor takes `loss` first positionally; ours keyword-only.
        assert ours_params[name].kind == param.kind or name == "loss", name
    extra = set(ours_params) - set(their_params)
    assert extra == ({"class_weight"} if ours is FFNClassifier else set())
    assert ours().get_params().keys() - {"class_weight"} == theirs().get_params().keys()


@pytest.mark.parametrize("ours", [FFNClassifier, FFNRegressor])
def test_positional_parameters_are_sklearns(ours):
    # scikit-learn 1.9's MLPRegressor takes `loss` first, then the layer sizes:
    # a positional call written for it must mean the same with ours.
    theirs = MLPClassifier if ours is FFNClassifier else MLPRegressor
    positional = [
        p.name
        for p in inspect.signature(theirs).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    assert [
        p.name
        for p in inspect.signature(ours).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ] == positional
    values = {"loss": "poisson", "hidden_layer_sizes": (7, 3), "activation": "tanh"}
    est = ours(*[values[name] for name in positional])
    assert {name: getattr(est, name) for name in positional} == {
        name: values[name] for name in positional
    }


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_public_methods_are_those_of_sklearn(ours, theirs, solver):
    methods = ["fit", "predict", "score", "partial_fit"]
    if ours is FFNClassifier:
        methods += ["predict_proba", "predict_log_proba"]
    for name in methods:
        expected = hasattr(theirs(solver=solver), name)
        if name == "partial_fit":
            # sklearn's MLPRegressor exposes partial_fit for 'lbfgs' by mistake.
            expected = solver in STOCHASTIC
        assert hasattr(ours(solver=solver), name) == expected, name


FITTED_ATTRIBUTES = [
    "coefs_",
    "intercepts_",
    "loss_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "n_iter_",
    "t_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
]


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("target", ["multiclass", "binary", "regression"])
def test_fitted_attributes_equal_sklearns(target, solver, early_stopping):
    # With 'lbfgs', sklearn ignores early_stopping: no split, no validation
    # bookkeeping. Ours must fit the same model with the same attributes.
    X, y, ours, theirs = TARGETS[target]
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=6,
        random_state=0,
        early_stopping=early_stopping,
    )
    a = _fit_quietly(ours(**params), X, y)
    b = _fit_quietly(theirs(**params), X, y)
    names = FITTED_ATTRIBUTES + (["classes_"] if ours is FFNClassifier else [])
    public = {k for k in vars(b) if k.endswith("_") and not k.startswith("_")}
    assert public <= set(names), "a public fitted attribute of sklearn's is unchecked"
    for name in names:
        if not hasattr(b, name):
            # sklearn's L-BFGS keeps no loss curve, best loss nor validation
            # bookkeeping; ours keeps the loss curve (an extra), and nothing
            # else that sklearn does not have.
            assert solver == "lbfgs", name
            assert hasattr(a, name) == (name == "loss_curve_"), name
            continue
        assert hasattr(a, name), name
        mine, theirs_ = getattr(a, name), getattr(b, name)
        if name in ("coefs_", "intercepts_"):
            _assert_same_weights(a, b, atol=1e-9)
        elif isinstance(theirs_, str) or theirs_ is None:
            assert mine == theirs_, name
        else:
            assert_allclose(mine, theirs_, rtol=1e-9, err_msg=name)


def test_feature_names_in_equal_sklearns():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X_IRIS, columns=["sl", "sw", "pl", "pw"])
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    a = _fit_quietly(FFNClassifier(**params), df, Y_IRIS)
    b = _fit_quietly(MLPClassifier(**params), df, Y_IRIS)
    assert_array_equal(a.feature_names_in_, b.feature_names_in_)
    assert not hasattr(
        _fit_quietly(FFNClassifier(**params), X_IRIS, Y_IRIS), "feature_names_in_"
    )


# -- initialisation and training trajectories -----------------------------------
@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("target", ["multiclass", "multilabel", "regression"])
def test_same_random_state_draws_sklearns_initial_weights(target, activation):
    X, y, ours, theirs = TARGETS[target]
    # One SGD epoch without momentum and a step of 1e-300: the update is far
    # below the weights' rounding unit, so the fitted weights are the initial ones.
    params = dict(
        hidden_layer_sizes=(6, 4),
        activation=activation,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        random_state=42,
    )
    a = _fit_quietly(ours(**params), X, y)
    b = _fit_quietly(theirs(**params), X, y)
    _assert_same_weights(a, b, atol=0.0)


TRAJECTORY_OPTIONS = {
    "shuffled-full-batch": dict(shuffle=True, early_stopping=False),
    "ordered-minibatches": dict(shuffle=False, early_stopping=False, batch_size=17),
    "shuffled-minibatches-early-stopping": dict(
        shuffle=True, early_stopping=True, batch_size=32
    ),
    "ordered-early-stopping": dict(shuffle=False, early_stopping=True),
}


@pytest.mark.parametrize("options", TRAJECTORY_OPTIONS.values(), ids=TRAJECTORY_OPTIONS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("target", TARGETS)
def test_stochastic_fit_follows_sklearns_trajectory(target, solver, options):
    X, y, ours, theirs = TARGETS[target]
    params = dict(
        hidden_layer_sizes=(7, 5),
        solver=solver,
        learning_rate_init=0.01,
        max_iter=8,
        n_iter_no_change=3,
        random_state=3,
        **options,
    )
    a = _fit_quietly(ours(**params), X, y)
    b = _fit_quietly(theirs(**params), X, y)
    _assert_same_weights(a, b, atol=1e-10)
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    assert_allclose(a.loss_, b.loss_, rtol=1e-10)
    if options["early_stopping"]:
        # The best weights on the validation split are restored, as sklearn's.
        assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-10)
        assert_allclose(a.best_validation_score_, b.best_validation_score_, rtol=1e-10)
        assert a.best_loss_ is None and b.best_loss_ is None
    else:
        assert_allclose(a.best_loss_, b.best_loss_, rtol=1e-10)


@pytest.mark.parametrize("nesterovs_momentum", [True, False])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
def test_sgd_learning_rate_schedules_follow_sklearn(learning_rate, nesterovs_momentum):
    params = dict(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate=learning_rate,
        learning_rate_init=0.05,
        momentum=0.5,
        nesterovs_momentum=nesterovs_momentum,
        power_t=0.3,
        # A large tol and patience 1 make 'adaptive' divide its step (and the
        # others stop early), so the schedules' bookkeeping is exercised too.
        tol=0.05,
        n_iter_no_change=1,
        max_iter=30,
        random_state=1,
    )
    a = _fit_quietly(FFNClassifier(**params), X_IRIS, Y_IRIS)
    b = _fit_quietly(MLPClassifier(**params), X_IRIS, Y_IRIS)
    _assert_same_weights(a, b, atol=1e-10)
    assert a.n_iter_ == b.n_iter_
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel", "regression"])
def test_lbfgs_fit_follows_sklearn_for_a_few_iterations(target):
    X, y, ours, theirs = TARGETS[target]
    params = dict(hidden_layer_sizes=(7,), solver="lbfgs", max_iter=15, random_state=0)
    a = _fit_quietly(ours(**params), X, y)
    b = _fit_quietly(theirs(**params), X, y)
    _assert_same_weights(a, b, atol=1e-8)
    assert a.n_iter_ == b.n_iter_
    assert_allclose(a.loss_, b.loss_, rtol=1e-10)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_multioutput_squared_error_is_sklearns_mean_over_outputs(solver):
    """loss_, the stopping rule and the steps are scikit-learn's, epoch for epoch.

    sklearn's MLPRegressor reports half the squared error averaged over the
    outputs and steps along the gradient of the sum over outputs; so do ours.
    Run to convergence, so that the tol rule picks the same last epoch.
    """
    params = dict(
        hidden_layer_sizes=(5,), solver=solver, learning_rate_init=0.01,
        max_iter=400, random_state=0,
    )  # fmt: skip
    a = _fit_quietly(FFNRegressor(**params), X_REG, Y_REG2)
    b = _fit_quietly(MLPRegressor(**params), X_REG, Y_REG2)
    assert a.n_iter_ == b.n_iter_ < 400  # sgd 192, adam 177: the tol rule fired
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)
    assert_allclose(a.best_loss_, b.best_loss_, rtol=1e-9)
    _assert_same_weights(a, b, atol=1e-9)


def test_multioutput_lbfgs_minimises_sklearns_objective_as_one_function():
    """A declared difference: scipy gets one function (a loss and its gradient).

    sklearn hands L-BFGS its averaged loss with the gradient of the sum over
    outputs, an inconsistent pair. Ours hands it the sum with its own gradient:
    the same minimiser (so the same fitted model, penalty included), and reports
    the loss as sklearn's average.
    """
    params = dict(hidden_layer_sizes=(5,), alpha=0.1, max_iter=2000, tol=1e-10)
    ours = _fit_quietly(
        FFNRegressor(solver="lbfgs", random_state=0, **params), X_REG, Y_REG2
    )
    theirs = _fit_quietly(
        MLPRegressor(solver="lbfgs", random_state=0, **params), X_REG, Y_REG2
    )
    # The reported loss is sklearn's: the squared error averaged over the
    # outputs and the samples, plus the penalty.
    residual = ours.predict(X_REG) - Y_REG2
    penalty = 0.5 * 0.1 * sum((w**2).sum() for w in ours.coefs_) / X_REG.shape[0]
    assert ours.loss_ == pytest.approx(0.5 * np.mean(residual**2) + penalty, rel=1e-12)
    # Ours minimises sklearn's own objective at least as far as sklearn does
    # (0.0014796 against 0.0014875: sklearn's line search, fed a gradient that
    # is not its loss's, stops earlier).
    assert theirs.loss_ * 0.99 < ours.loss_ <= theirs.loss_
    assert_allclose(ours.predict(X_REG), theirs.predict(X_REG), rtol=0, atol=0.01)
    # The function minimised is one function: its gradient is its derivative.
    net = Network(
        [X_REG.shape[1], 5, 2], "relu", get_head("squared_error", objective="sum")
    )
    theta = net.layout.pack(ours.coefs_, ours.intercepts_) + 0.01
    loss, grad = net.loss_and_gradient(theta, X_REG, Y_REG2, alpha=0.1)
    step = 1e-6 * grad / np.linalg.norm(grad)
    change = net.loss_and_gradient(theta + step, X_REG, Y_REG2, alpha=0.1)[0] - loss
    assert change == pytest.approx(grad @ step, rel=1e-4)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("target", ["multiclass", "regression"])
def test_warm_started_fit_follows_sklearn(target, solver):
    X, y, ours, theirs = TARGETS[target]
    params = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=4, random_state=0)
    a = ours(warm_start=True, **params)
    b = theirs(warm_start=True, **params)
    for _ in range(2):
        _fit_quietly(a, X, y)
        _fit_quietly(b, X, y)
    _assert_same_weights(a, b, atol=1e-9)
    assert a.n_iter_ == b.n_iter_ == 4
    assert a.t_ == b.t_  # sklearn keeps t_ = 0 with lbfgs


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("target", ["multiclass", "multilabel", "regression"])
def test_repeated_partial_fit_follows_sklearn(target, solver):
    X, y, ours, theirs = TARGETS[target]
    params = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0)
    a, b = ours(**params), theirs(**params)
    kwargs = {"classes": unique_labels(y)} if ours is FFNClassifier else {}
    for _ in range(4):
        a.partial_fit(X, y, **kwargs)
        b.partial_fit(X, y, **kwargs)
    _assert_same_weights(a, b, atol=1e-10)
    assert a.t_ == b.t_ == 4 * X.shape[0]
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_after_warm_started_fit_follows_sklearn(solver):
    params = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0, max_iter=3)
    a = _fit_quietly(FFNClassifier(warm_start=True, **params), X_IRIS, Y_IRIS)
    b = _fit_quietly(MLPClassifier(warm_start=True, **params), X_IRIS, Y_IRIS)
    a.partial_fit(X_IRIS, Y_IRIS)
    b.partial_fit(X_IRIS, Y_IRIS)
    _assert_same_weights(a, b, atol=1e-10)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_after_fit_continues_sklearns_optimizer_state(solver):
    params = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0, max_iter=3)
    a = _fit_quietly(FFNClassifier(**params), X_IRIS, Y_IRIS)
    b = _fit_quietly(MLPClassifier(**params), X_IRIS, Y_IRIS)
    a.partial_fit(X_IRIS, Y_IRIS)
    b.partial_fit(X_IRIS, Y_IRIS)
    _assert_same_weights(a, b, atol=1e-10)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_input_fits_like_sklearn_and_like_dense(solver, fmt):
    Xs = sp.csr_matrix(X_IRIS).asformat(fmt)
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0)
    a = _fit_quietly(FFNClassifier(**params), Xs, Y_IRIS)
    b = _fit_quietly(MLPClassifier(**params), Xs, Y_IRIS)
    dense = _fit_quietly(FFNClassifier(**params), X_IRIS, Y_IRIS)
    _assert_same_weights(a, b, atol=1e-9)
    _assert_same_weights(a, dense, atol=1e-9)
    assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs), rtol=0, atol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_float32_input_is_kept_float32(ours, theirs, solver):
    X32 = X_IRIS[:, :3].astype(np.float32)
    y = Y_IRIS if ours is FFNClassifier else X_IRIS[:, 3]
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0)
    a = _fit_quietly(ours(**params), X32, y)
    b = _fit_quietly(theirs(**params), X32, y)
    assert all(w.dtype == np.float32 for w in a.coefs_ + a.intercepts_)
    outputs = [a.predict(X32)] if ours is FFNRegressor else []
    if ours is FFNClassifier:
        outputs += [a.predict_proba(X32), a.predict_log_proba(X32)]
    assert all(out.dtype == np.float32 for out in outputs)
    # sklearn keeps float32 too, except that its L-BFGS returns float64 weights.
    if solver != "lbfgs":
        assert b.coefs_[0].dtype == np.float32
    assert _max_weight_diff(a, b) < 1e-4
    # float64 stays float64
    a64 = _fit_quietly(ours(**params), X32.astype(np.float64), y)
    assert all(w.dtype == np.float64 for w in a64.coefs_ + a64.intercepts_)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_string_labels_are_returned_like_sklearn(early_stopping):
    if early_stopping:
        require_sklearn_version(
            "1.9", "older MLPClassifiers fail on string labels with early_stopping"
        )
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)
    y = names[Y_IRIS]
    params = dict(
        hidden_layer_sizes=(5,),
        max_iter=5,
        random_state=0,
        early_stopping=early_stopping,
    )
    a = _fit_quietly(FFNClassifier(**params), X_IRIS, y)
    b = _fit_quietly(MLPClassifier(**params), X_IRIS, y)
    assert_array_equal(a.classes_, b.classes_)
    assert_array_equal(a.predict(X_IRIS), b.predict(X_IRIS))
    assert a.predict(X_IRIS).dtype == b.predict(X_IRIS).dtype
    assert a.score(X_IRIS, y) == b.score(X_IRIS, y)


def _stdout_of(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fn()
    return out.getvalue()


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_verbose_output_is_sklearns(solver, early_stopping):
    params = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=15,
        tol=1e-2,
        n_iter_no_change=2,
        random_state=0,
        verbose=True,
        early_stopping=early_stopping,
    )
    ours = _stdout_of(lambda: FFNClassifier(**params).fit(X_IRIS, Y_IRIS))
    theirs = _stdout_of(lambda: MLPClassifier(**params).fit(X_IRIS, Y_IRIS))
    assert ours == theirs
    assert re.match(r"Iteration 1, loss = \d+\.\d{8}\n", ours)


# -- predictions from the same weights --------------------------------------------
PREDICTION_TARGETS = {
    "binary": (X_IRIS, (Y_IRIS == 2).astype(int), "classifier"),
    "multiclass": (X_IRIS, Y_IRIS, "classifier"),
    "multilabel": (X_ML, Y_ML, "classifier"),
    "regression": (X_REG, Y_REG2[:, 0], "squared_error"),
    "multioutput-regression": (X_REG, Y_REG2, "squared_error"),
    "poisson": (X_REG, np.exp(Y_REG2[:, 0]), "poisson"),
}


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("target", PREDICTION_TARGETS)
def test_weights_copied_from_sklearn_give_sklearns_predictions(target, activation):
    X, y, kind = PREDICTION_TARGETS[target]
    params = dict(hidden_layer_sizes=(8, 6), activation=activation, random_state=0)
    if kind == "classifier":
        theirs = _fit_quietly(
            MLPClassifier(solver="lbfgs", max_iter=50, **params), X, y
        )
        ours = _fit_quietly(FFNClassifier(max_iter=1, **params), X, y)
    else:
        params["loss"] = kind
        theirs = _fit_quietly(MLPRegressor(solver="lbfgs", max_iter=50, **params), X, y)
        ours = _fit_quietly(FFNRegressor(max_iter=1, **params), X, y)
    assert _max_weight_diff(ours, theirs) > 1e-3  # predictions differ before
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [b.copy() for b in theirs.intercepts_]
    if kind == "classifier":
        assert_array_equal(ours.predict(X), theirs.predict(X))
        assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-12
        )
        # sklearn's log(1 - p) loses digits for tiny probabilities (ours comes
        # from the logits): compare where sklearn's value is accurate.
        accurate = theirs.predict_proba(X) > 1e-3
        assert_allclose(
            ours.predict_log_proba(X)[accurate],
            theirs.predict_log_proba(X)[accurate],
            rtol=0,
            atol=1e-12,
        )
        assert ours.score(X, y) == theirs.score(X, y)
    else:
        assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-12, atol=1e-12)
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-12)


# -- misuse: same exceptions, same messages ------------------------------------------
def _normalised(message, ours_name, their_name):
    """Our message in sklearn's class name; sets of options in sorted order."""
    message = message.replace(ours_name, their_name)
    return re.sub(
        r"\{([^{}]*)\}",
        lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
        message,
    )


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            fn()
        except Exception as exc:
            return type(exc), str(exc)
    return None, ""


_X30 = np.random.RandomState(0).normal(size=(30, 3))
_Y30 = np.arange(30) % 3

MISUSE = {
    "predict-before-fit": lambda E: E().predict(_X30),
    "predict_proba-before-fit": lambda E: E().predict_proba(_X30),
    "predict_log_proba-before-fit": lambda E: E().predict_log_proba(_X30),
    "score-before-fit": lambda E: E().score(_X30, _Y30),
    "wrong-n-features": lambda E: E(max_iter=2).fit(_X30, _Y30).predict(_X30[:, :2]),
    "wrong-n-features-partial-fit": lambda E: (
        E(max_iter=2).fit(_X30, _Y30).partial_fit(_X30[:, :2], _Y30)
    ),
    "wrong-n-features-warm-start": lambda E: (
        E(max_iter=2, warm_start=True).fit(_X30, _Y30).fit(_X30[:, :2], _Y30)
    ),
    "partial-fit-unseen-class": lambda E: (
        E(solver="sgd")
        .partial_fit(_X30, _Y30, classes=[0, 1, 2])
        .partial_fit(_X30, _Y30 + 1)
    ),
    "partial-fit-without-classes": lambda E: E(solver="sgd").partial_fit(_X30, _Y30),
    "partial-fit-classes-missing-a-label": lambda E: E(solver="sgd").partial_fit(
        _X30, _Y30, classes=[0, 1]
    ),
    "partial-fit-early-stopping": lambda E: E(early_stopping=True).partial_fit(
        _X30, _Y30, classes=[0, 1, 2]
    ),
    "partial-fit-after-early-stopping-fit": lambda E: (
        E(early_stopping=True, max_iter=3).fit(_X30, _Y30).partial_fit(_X30, _Y30)
    ),
    "lbfgs-partial-fit": lambda E: E(solver="lbfgs").partial_fit(_X30, _Y30),
    "warm-start-other-classes": lambda E: (
        E(warm_start=True, max_iter=2).fit(_X30, _Y30).fit(_X30, _Y30 % 2)
    ),
    "hidden-layer-size-zero": lambda E: E(hidden_layer_sizes=(3, 0)).fit(_X30, _Y30),
    "sample-weight-wrong-length": lambda E: E(max_iter=2).fit(
        _X30, _Y30, sample_weight=np.ones(29)
    ),
    "nan-in-X": lambda E: E(max_iter=2).fit(np.full((30, 3), np.nan), _Y30),
    "inf-in-X-predict": lambda E: (
        E(max_iter=2).fit(_X30, _Y30).predict(_X30 + np.array([np.inf, 0, 0]))
    ),
    "1d-X": lambda E: E(max_iter=2).fit(_X30[:, 0], _Y30),
    "inconsistent-lengths": lambda E: E(max_iter=2).fit(_X30, _Y30[:-1]),
    "validation-set-too-small": lambda E: E(early_stopping=True).fit(
        _X30[:9], _Y30[:9]
    ),
}

# Classifier misuse (class labels) that is a valid call for a regressor.
VALID_FOR_A_REGRESSOR = {"partial-fit-without-classes", "warm-start-other-classes"}

INVALID_PARAMS = [
    ("hidden_layer_sizes", -1),
    ("hidden_layer_sizes", "10"),
    ("solver", "newton"),
    ("alpha", -1.0),
    ("batch_size", 0),
    ("learning_rate", "fast"),
    ("learning_rate_init", 0.0),
    ("power_t", -1.0),
    ("max_iter", 0),
    ("shuffle", "yes"),
    ("random_state", "seed"),
    ("tol", -1.0),
    ("momentum", 1.5),
    ("nesterovs_momentum", 1),
    ("early_stopping", "no"),
    ("validation_fraction", 1.0),
    ("beta_1", 1.0),
    ("beta_2", -0.1),
    ("epsilon", 0.0),
    ("n_iter_no_change", 0),
    ("max_fun", 0),
    ("warm_start", None),
]


def _assert_same_outcome(ours, theirs, fn):
    our_type, our_msg = _outcome(lambda: fn(ours))
    their_type, their_msg = _outcome(lambda: fn(theirs))
    assert our_type is their_type, (our_msg, their_msg)
    assert _normalised(our_msg, ours.__name__, theirs.__name__) == _normalised(
        their_msg, theirs.__name__, theirs.__name__
    )
    return our_type


@pytest.mark.parametrize("misuse", MISUSE)
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_misuse_raises_sklearns_exception_and_message(ours, theirs, misuse):
    fn = MISUSE[misuse]
    if ours is FFNRegressor and misuse == "lbfgs-partial-fit":
        # sklearn's regressor has partial_fit under 'lbfgs' (a bug): ours has not.
        assert not hasattr(ours(solver="lbfgs"), "partial_fit")
        return
    if ours is FFNRegressor and misuse in VALID_FOR_A_REGRESSOR:
        # Not a misuse for a regressor: both fit, and must fit the same model
        # (random_state=None: both draw from the global generator, reseeded).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            np.random.seed(0)  # noqa: NPY002
            a = fn(ours)
            np.random.seed(0)  # noqa: NPY002
            b = fn(theirs)
        _assert_same_weights(a, b, atol=1e-10)
        assert (a.n_iter_, a.t_) == (b.n_iter_, b.t_)
        return
    assert _assert_same_outcome(ours, theirs, fn) is not None, "nothing raised"


@pytest.mark.parametrize("name, value", INVALID_PARAMS)
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_invalid_parameter_raises_sklearns_invalid_parameter_error(
    ours, theirs, name, value
):
    error = _assert_same_outcome(
        ours, theirs, lambda E: E(**{name: value}).fit(_X30, _Y30)
    )
    assert error is InvalidParameterError


def test_invalid_loss_raises_sklearns_invalid_parameter_error():
    error = _assert_same_outcome(
        FFNRegressor, MLPRegressor, lambda E: E(loss="huber").fit(_X30, _Y30)
    )
    assert error is InvalidParameterError


@pytest.mark.parametrize("ours", [FFNClassifier, FFNRegressor])
def test_unknown_activation_raises_invalid_parameter_error(ours):
    with pytest.raises(InvalidParameterError, match="'activation' parameter"):
        ours(activation="swish").fit(_X30, _Y30)


def test_continuous_target_for_classifier_raises_value_error_naming_the_type():
    # sklearn's LabelBinarizer prints the whole array; ours names the target type.
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(_X30, _X30[:, 0])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        FFNClassifier().fit(_X30, _X30[:, 0])


def test_early_stopping_stratified_split_rejects_singleton_class_like_sklearn():
    X, y = [[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1]
    messages = []  # scikit-learn's wording changed in 1.8: the installed one's
    for est in (FFNClassifier(early_stopping=True), MLPClassifier(early_stopping=True)):
        with pytest.raises(ValueError, match="The least populated class") as raised:
            est.fit(X, y)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


def test_predict_before_fit_raises_not_fitted_error():
    for est in (FFNClassifier(), FFNRegressor()):
        with pytest.raises(NotFittedError):
            est.predict(_X30)


# -- warnings --------------------------------------------------------------------
def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in record]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_max_iter_raises_sklearns_convergence_warning(ours, theirs, solver):
    y = Y_IRIS if ours is FFNClassifier else X_IRIS[:, 0]
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=3, random_state=0)
    mine = _warnings_of(lambda: ours(**params).fit(X_IRIS, y))
    theirs_ = _warnings_of(lambda: theirs(**params).fit(X_IRIS, y))
    assert [w for w in mine if w[0] is ConvergenceWarning] == [
        w for w in theirs_ if w[0] is ConvergenceWarning
    ]
    assert any(w[0] is ConvergenceWarning for w in mine)


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=PAIR_IDS)
def test_batch_size_above_n_samples_warns_like_sklearn(ours, theirs):
    params = dict(hidden_layer_sizes=(3,), batch_size=500, max_iter=1, random_state=0)
    mine = _warnings_of(lambda: ours(**params).fit(_X30, _Y30))
    theirs_ = _warnings_of(lambda: theirs(**params).fit(_X30, _Y30))
    assert mine == theirs_
    assert any("It is going to be clipped" in message for _, message in mine)


# -- accuracy on real data ---------------------------------------------------------
ACCURACY_DATASETS = {
    "digits": (load_digits, "classifier"),
    "breast_cancer": (load_breast_cancer, "classifier"),
    "wine": (load_wine, "classifier"),
    "iris": (load_iris, "classifier"),
    "diabetes": (load_diabetes, "regressor"),
    "make_regression": (
        lambda return_X_y: make_regression(300, 10, noise=10.0, random_state=0),
        "regressor",
    ),
}
ACCURACY_PARAMS = {
    "sgd": dict(max_iter=30, learning_rate_init=0.01),
    "adam": dict(max_iter=30, learning_rate_init=0.01),
    "lbfgs": dict(max_iter=100),
}


@pytest.mark.slow
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dataset", ACCURACY_DATASETS)
def test_cross_validated_score_is_within_one_std_of_sklearns(dataset, solver):
    load, kind = ACCURACY_DATASETS[dataset]
    X, y = load(return_X_y=True)
    if kind == "regressor":
        y = y / y.std()
        ours, theirs = FFNRegressor, MLPRegressor
    else:
        ours, theirs = FFNClassifier, MLPClassifier
    params = dict(hidden_layer_sizes=(50,), solver=solver, random_state=0)
    params.update(ACCURACY_PARAMS[solver])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine = cross_val_score(make_pipeline(StandardScaler(), ours(**params)), X, y)
        theirs_ = cross_val_score(
            make_pipeline(StandardScaler(), theirs(**params)), X, y
        )
    assert abs(mine.mean() - theirs_.mean()) <= theirs_.std()
