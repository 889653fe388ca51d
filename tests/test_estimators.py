"""What FFNClassifier and FFNRegressor do beyond (or better than) sklearn's MLP."""

import contextlib
import io
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, log_softmax, softmax
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skffnn import FFNClassifier, FFNRegressor

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

SOLVERS = ("sgd", "adam", "lbfgs")
STOCHASTIC = ("sgd", "adam")

_X, _Y = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(_X)
Y_IRIS = _Y
# unbalanced classes (for class_weight): 30, 50 and 50 samples
X_UNBAL, Y_UNBAL = X_IRIS[20:], Y_IRIS[20:]
X_REG, Y_REG = make_regression(
    n_samples=100, n_features=4, n_targets=2, noise=1.0, random_state=0
)
Y_REG = Y_REG / Y_REG.std()
X_ML, Y_ML = make_multilabel_classification(
    n_samples=100, n_features=5, n_classes=3, random_state=0
)


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _weights(est):
    return [w.copy() for w in est.coefs_ + est.intercepts_]


def _assert_identical_weights(a, b):
    for p, q in zip(_weights(a), _weights(b), strict=True):
        assert_array_equal(p, q)


def _forward(est, X, activations):
    """The network's raw output scores, computed by hand."""
    funcs = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "logistic": expit,
        "sigmoid": expit,
        "identity": lambda z: z,
        "softplus": lambda z: np.logaddexp(0, z),
    }
    a = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        a = a @ W + b
        if i < len(est.coefs_) - 1:
            a = funcs[activations[i]](a)
    return a


# -- predict_log_proba, exact_log_proba and logits ---------------------------------
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_exact_log_proba_is_finite_where_sklearns_log_proba_is_minus_inf(target):
    X, y = {
        "binary": (X_IRIS, Y_IRIS == 2),
        "multiclass": (X_IRIS, Y_IRIS),
        "multilabel": (X_ML, Y_ML),
    }[target]
    params = dict(hidden_layer_sizes=(4,), activation="identity", random_state=0)
    theirs = _fit(MLPClassifier(max_iter=5, **params), X, y)
    ours = _fit(FFNClassifier(max_iter=5, **params), X, y)
    # Huge logits: the same weights, each layer scaled up by 100.
    ours.coefs_ = [c * 100.0 for c in theirs.coefs_]
    ours.intercepts_ = [b * 100.0 for b in theirs.intercepts_]
    theirs.coefs_, theirs.intercepts_ = ours.coefs_, ours.intercepts_
    with np.errstate(divide="ignore"):
        their_log = theirs.predict_log_proba(X)
    assert np.isneginf(their_log).any()

    log_proba = ours.exact_log_proba(X)
    assert np.isfinite(log_proba).all()
    z = ours.logits(X)
    if target == "multiclass":
        expected = log_softmax(z, axis=1)
    else:
        z = z[:, None] if z.ndim == 1 else z
        expected = -np.logaddexp(0, -z)  # log sigmoid(z)
        if target == "binary":
            expected = np.hstack([-np.logaddexp(0, z), expected])
    assert_allclose(log_proba, expected, rtol=1e-12, atol=1e-15)
    # Where sklearn's value is finite, it is the same.
    finite = np.isfinite(their_log) & (theirs.predict_proba(X) > 1e-3)
    assert_allclose(log_proba[finite], their_log[finite], rtol=0, atol=1e-12)
    # predict_log_proba itself is scikit-learn's: log of predict_proba, -inf too.
    with np.errstate(divide="ignore"):
        assert_array_equal(ours.predict_log_proba(X), np.log(ours.predict_proba(X)))
    assert np.isneginf(ours.predict_log_proba(X)).any()


def test_the_classifier_has_no_decision_function_as_sklearns_mlp():
    # scikit-learn code probes hasattr(est, "decision_function") and then
    # calibrates or plots logits instead of probabilities.
    assert not hasattr(MLPClassifier(), "decision_function")
    assert not hasattr(FFNClassifier(), "decision_function")


def test_binary_predict_proba_keeps_relative_precision_of_tiny_probabilities():
    clf = _fit(FFNClassifier((3,), max_iter=5, random_state=0), X_IRIS, Y_IRIS == 2)
    clf.intercepts_[-1][:] = 60.0  # sigmoid(-z) ~ 1e-26 for every sample
    proba = clf.predict_proba(X_IRIS)
    z = clf.logits(X_IRIS)
    assert_allclose(proba[:, 0], expit(-z), rtol=1e-12)
    assert (proba[:, 0] > 0).all()
    assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_logits_are_the_raw_output_scores(target):
    X, y = {
        "binary": (X_IRIS, Y_IRIS == 2),
        "multiclass": (X_IRIS, Y_IRIS),
        "multilabel": (X_ML, Y_ML),
    }[target]
    clf = _fit(FFNClassifier((5, 4), max_iter=20, random_state=0), X, y)
    z = clf.logits(X)
    expected = _forward(clf, X, ["relu", "relu"])
    if target == "binary":
        assert z.shape == (X.shape[0],)
        assert_allclose(z, expected.ravel(), rtol=1e-12)
        assert_allclose(clf.predict_proba(X)[:, 1], expit(z), rtol=1e-12)
        assert_array_equal(clf.predict(X), z > 0)
    elif target == "multiclass":
        assert_allclose(z, expected, rtol=1e-12)
        assert_allclose(clf.predict_proba(X), softmax(z, axis=1), rtol=1e-12)
        assert_array_equal(clf.predict(X), clf.classes_[np.argmax(z, axis=1)])
    else:
        assert_allclose(z, expected, rtol=1e-12)
        assert_allclose(clf.predict_proba(X), expit(z), rtol=1e-12)
        assert_array_equal(clf.predict(X), (z > 0).astype(int))


# -- activations -----------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_activation_list_sets_each_hidden_layers_activation(solver):
    acts = ["tanh", "softplus", "relu"]
    reg = _fit(
        FFNRegressor(
            hidden_layer_sizes=(6, 5, 4), activation=acts, solver=solver, max_iter=20
        ),
        X_REG,
        Y_REG,
    )
    assert_allclose(reg.predict(X_REG), _forward(reg, X_REG, acts), rtol=1e-12)
    clf = _fit(
        FFNClassifier((6, 5), activation=("logistic", "identity"), max_iter=20),
        X_IRIS,
        Y_IRIS,
    )
    z = _forward(clf, X_IRIS, ["logistic", "identity"])
    assert_allclose(clf.predict_proba(X_IRIS), softmax(z, axis=1), rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh"])
def test_activation_list_of_one_name_fits_as_that_name(activation):
    params = dict(hidden_layer_sizes=(5, 4), max_iter=10, random_state=0)
    a = _fit(FFNClassifier(activation=activation, **params), X_IRIS, Y_IRIS)
    b = _fit(FFNClassifier(activation=[activation] * 2, **params), X_IRIS, Y_IRIS)
    _assert_identical_weights(a, b)


def test_activation_list_of_wrong_length_or_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="activation has 1 entries for 2 hidden"):
        FFNClassifier((5, 4), activation=["relu"]).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        FFNClassifier((5, 4), activation=["relu", "swish"]).fit(X_IRIS, Y_IRIS)


@pytest.mark.parametrize("solver", SOLVERS)
def test_sigmoid_is_logistic(solver):
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0)
    a = _fit(FFNClassifier(activation="sigmoid", **params), X_IRIS, Y_IRIS)
    b = _fit(FFNClassifier(activation="logistic", **params), X_IRIS, Y_IRIS)
    _assert_identical_weights(a, b)
    assert_array_equal(a.predict_proba(X_IRIS), b.predict_proba(X_IRIS))


@pytest.mark.parametrize("solver", SOLVERS)
def test_softplus_activation_fits_and_predicts_log1p_exp(solver):
    reg = _fit(
        FFNRegressor(
            hidden_layer_sizes=(8,),
            activation="softplus",
            solver=solver,
            learning_rate_init=0.01,
            max_iter=200,
            random_state=0,
        ),
        X_REG,
        Y_REG[:, 0],
    )
    assert_allclose(
        reg.predict(X_REG), _forward(reg, X_REG, ["softplus"]).ravel(), rtol=1e-12
    )
    assert reg.score(X_REG, Y_REG[:, 0]) > 0.5


# -- class_weight ---------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_balanced_class_weight_is_balanced_sample_weight(solver):
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    a = _fit(FFNClassifier(class_weight="balanced", **params), X_UNBAL, Y_UNBAL)
    sw = compute_sample_weight("balanced", Y_UNBAL)
    b = _fit(FFNClassifier(**params), X_UNBAL, Y_UNBAL, sample_weight=sw)
    _assert_identical_weights(a, b)
    assert a.loss_curve_ == b.loss_curve_


@pytest.mark.parametrize("solver", SOLVERS)
def test_class_weight_dict_multiplies_sample_weight(solver):
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    class_weight = {0: 2.0, 1: 0.5, 2: 1.0}
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=Y_UNBAL.shape[0])
    a = _fit(
        FFNClassifier(class_weight=class_weight, **params),
        X_UNBAL,
        Y_UNBAL,
        sample_weight=sw,
    )
    combined = sw * compute_sample_weight(class_weight, Y_UNBAL)
    b = _fit(FFNClassifier(**params), X_UNBAL, Y_UNBAL, sample_weight=combined)
    _assert_identical_weights(a, b)


def test_class_weight_fits_as_sklearns_mlp_given_those_sample_weights():
    # sklearn's MLP has no class_weight; given the same weights per sample it
    # is the oracle (and the weights change its fit, so this can fail).
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15, random_state=0)
    a = _fit(FFNClassifier(class_weight="balanced", **params), X_UNBAL, Y_UNBAL)
    sw = compute_sample_weight("balanced", Y_UNBAL)
    b = _fit(MLPClassifier(**params), X_UNBAL, Y_UNBAL, sample_weight=sw)
    unweighted = _fit(MLPClassifier(**params), X_UNBAL, Y_UNBAL)
    for p, q, r in zip(_weights(a), _weights(b), _weights(unweighted), strict=True):
        assert_allclose(p, q, rtol=0, atol=1e-8)
        assert np.abs(q - r).max() > 1e-3


def test_class_weight_misuse_raises_value_error():
    with pytest.raises(ValueError, match="not supported for multilabel"):
        FFNClassifier(class_weight="balanced").fit(X_ML, Y_ML)
    clf = FFNClassifier(solver="sgd", class_weight="balanced")
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        clf.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    # a dict computed on the whole data is fine incrementally: it trains as
    # sklearn's MLP given the same weights per sample
    class_weight = {0: 1.0, 1: 2.0, 2: 1.0}
    ours = FFNClassifier(solver="sgd", class_weight=class_weight, random_state=0)
    theirs = MLPClassifier(solver="sgd", random_state=0)
    sw = compute_sample_weight(class_weight, Y_IRIS)
    for _ in range(2):
        ours.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
        theirs.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2], sample_weight=sw)
    for p, q in zip(_weights(ours), _weights(theirs), strict=True):
        assert_allclose(p, q, rtol=0, atol=1e-12)


# -- sample_weight semantics (full-batch fits are exact) ---------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_sample_weight_equals_dropping_the_samples(solver):
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    keep = np.arange(Y_UNBAL.shape[0]) % 3 != 0
    a = _fit(FFNClassifier(**params), X_UNBAL, Y_UNBAL, sample_weight=keep * 1.0)
    b = _fit(FFNClassifier(**params), X_UNBAL[keep], Y_UNBAL[keep])
    for p, q in zip(_weights(a), _weights(b)):
        assert_allclose(p, q, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_sample_weight_equals_repeating_the_samples(solver):
    # 130 samples, 173 once repeated: one full batch per epoch in both fits.
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    sw = 1 + (np.arange(Y_UNBAL.shape[0]) % 3 == 0)
    a = _fit(FFNRegressor(**params), X_UNBAL, X_UNBAL[:, 0] ** 2, sample_weight=sw)
    X_rep = np.repeat(X_UNBAL, sw, axis=0)
    b = _fit(FFNRegressor(**params), X_rep, X_rep[:, 0] ** 2)
    for p, q in zip(_weights(a), _weights(b)):
        assert_allclose(p, q, rtol=1e-9, atol=1e-11)


# -- early stopping ---------------------------------------------------------------
def test_validation_loss_curve_tracks_the_validation_split():
    reg = _fit(
        FFNRegressor(
            hidden_layer_sizes=(5,), early_stopping=True, max_iter=30, random_state=0
        ),
        X_REG,
        Y_REG[:, 0],
    )
    losses = np.asarray(reg.validation_loss_curve_)
    scores = np.asarray(reg.validation_scores_)
    assert len(losses) == len(scores) == reg.n_iter_
    # Half the mean squared error and R^2 on the same split: loss / (1 - R^2) is
    # the split's (fixed) variance / 2, whatever the epoch.
    assert_allclose(losses / (1 - scores), losses[0] / (1 - scores[0]), rtol=1e-9)

    clf = _fit(
        FFNClassifier((5,), early_stopping=True, max_iter=10, random_state=0),
        X_IRIS,
        Y_IRIS,
    )
    assert len(clf.validation_loss_curve_) == clf.n_iter_
    assert np.all(np.isfinite(clf.validation_loss_curve_))
    assert np.all(np.asarray(clf.validation_loss_curve_) > 0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_validation_curves_are_none_without_early_stopping(solver):
    clf = _fit(FFNClassifier((3,), solver=solver, max_iter=3), X_IRIS, Y_IRIS)
    assert clf.validation_loss_curve_ is None
    if solver == "lbfgs":  # as sklearn's L-BFGS: no validation bookkeeping at all
        assert not hasattr(clf, "validation_scores_")
        assert not hasattr(clf, "best_validation_score_")
        return
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None


def test_early_stopping_restores_the_best_validation_weights():
    params = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=0.5,
        early_stopping=True,
        n_iter_no_change=5,
        max_iter=40,
        random_state=0,
    )
    clf = _fit(FFNClassifier(**params), X_IRIS, Y_IRIS)
    best_epoch = int(np.argmax(clf.validation_scores_)) + 1
    assert best_epoch < clf.n_iter_  # training went on past the best epoch
    at_best = _fit(FFNClassifier(**{**params, "max_iter": best_epoch}), X_IRIS, Y_IRIS)
    _assert_identical_weights(clf, at_best)
    assert clf.best_validation_score_ == max(clf.validation_scores_)


# -- iteration counters -------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_the_loss_of_every_iteration(solver):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        clf = _fit(
            FFNClassifier((5,), solver=solver, max_iter=7, verbose=True, tol=0),
            X_IRIS,
            Y_IRIS,
        )
    losses = re.findall(r"^Iteration (\d+), loss = (\d+\.\d{8})$", out.getvalue(), re.M)
    assert [int(i) for i, _ in losses] == list(range(1, clf.n_iter_ + 1))
    assert_allclose([float(v) for _, v in losses], clf.loss_curve_, atol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_warm_started_fit_reports_its_own_iterations(Est, solver):
    y = Y_IRIS if Est is FFNClassifier else X_IRIS[:, 0]
    est = Est(
        hidden_layer_sizes=(5,),
        solver=solver,
        warm_start=True,
        max_iter=10,
        n_iter_no_change=np.inf,
        tol=0,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X_IRIS, y)
    assert est.n_iter_ == 10
    est.set_params(max_iter=20)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_IRIS, y)
    assert est.n_iter_ == 20
    if solver != "lbfgs":
        assert len(est.loss_curve_) == 30  # the curve continues


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_repeated_partial_fit_counts_one_epoch_and_accumulates_t_as_sklearn(
    Est, solver
):
    y = Y_IRIS if Est is FFNClassifier else X_IRIS[:, 0]
    kwargs = {"classes": [0, 1, 2]} if Est is FFNClassifier else {}
    Sk = MLPClassifier if Est is FFNClassifier else MLPRegressor
    ours = Est(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    theirs = Sk(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    for call in range(1, 4):
        ours.partial_fit(X_IRIS, y, **kwargs)
        theirs.partial_fit(X_IRIS, y, **kwargs)
        # scikit-learn's n_iter_ counts the epochs of the last call.
        assert ours.n_iter_ == theirs.n_iter_ == 1
        assert ours.t_ == theirs.t_ == call * X_IRIS.shape[0]
        assert len(ours.loss_curve_) == len(theirs.loss_curve_) == call


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_lbfgs_leaves_t_and_sets_the_attributes_sklearns_lbfgs_sets(Est):
    y = Y_IRIS if Est is FFNClassifier else X_IRIS[:, 0]
    Sk = MLPClassifier if Est is FFNClassifier else MLPRegressor
    ours = _fit(
        Est(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=8, tol=0), X_IRIS, y
    )
    theirs = _fit(
        Sk(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=8, tol=0), X_IRIS, y
    )
    assert ours.t_ == theirs.t_ == 0
    for name in ("best_loss_", "validation_scores_", "best_validation_score_"):
        assert hasattr(ours, name) == hasattr(theirs, name) == False  # noqa: E712
    # Our extras: the loss and the wall time of each iteration.
    assert len(ours.loss_curve_) == len(ours.epoch_times_) == ours.n_iter_ == 8


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_lbfgs_has_no_partial_fit(Est):
    assert not hasattr(Est(solver="lbfgs"), "partial_fit")
    assert hasattr(Est(solver="sgd"), "partial_fit")
    assert hasattr(Est(solver="adam"), "partial_fit")


def test_n_iter_no_change_inf_runs_to_max_iter():
    clf = FFNClassifier((3,), solver="sgd", tol=1e9, n_iter_no_change=np.inf)
    clf.set_params(max_iter=25)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X_IRIS, Y_IRIS)
    assert clf.n_iter_ == 25


# -- clear errors -------------------------------------------------------------------
def test_one_class_target_fits_and_predicts_that_class_with_probability_one():
    clf = FFNClassifier((5,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_IRIS[:10], ["a"] * 10)
    assert clf.classes_.tolist() == ["a"]
    assert clf.predict(X_IRIS).tolist() == ["a"] * len(X_IRIS)
    np.testing.assert_array_equal(clf.predict_proba(X_IRIS[:3]), np.ones((3, 1)))
    np.testing.assert_array_equal(clf.predict_log_proba(X_IRIS[:3]), np.zeros((3, 1)))


def test_one_class_by_sample_weight_raises_a_clear_value_error():
    sw = (Y_IRIS == 0).astype(float)
    with pytest.raises(ValueError, match="Only one class has non-zero sample weight"):
        FFNClassifier().fit(X_IRIS, Y_IRIS == 0, sample_weight=sw)


def test_poisson_loss_with_negative_target_raises_value_error():
    with pytest.raises(ValueError, match="requires non-negative y"):
        FFNRegressor(loss="poisson").fit(X_REG, Y_REG[:, 0])
    params = dict(hidden_layer_sizes=(4,), loss="poisson", max_iter=5, random_state=0)
    reg = _fit(FFNRegressor(**params), X_REG, Y_REG[:, 0] ** 2)
    theirs = _fit(MLPRegressor(**params), X_REG, Y_REG[:, 0] ** 2)
    assert reg.out_activation_ == theirs.out_activation_ == "exp"
    # The mean is exp of the network's raw output, and sklearn's prediction.
    pred = reg.predict(X_REG)
    assert_allclose(pred, np.exp(_forward(reg, X_REG, ["relu"]).ravel()), rtol=1e-12)
    assert_allclose(pred, theirs.predict(X_REG), rtol=1e-10)


def test_negative_sample_weight_raises_value_error():
    with pytest.raises(ValueError, match="Negative values"):
        FFNClassifier().fit(X_IRIS, Y_IRIS, sample_weight=-np.ones(150))


def test_warm_start_after_changing_layer_sizes_raises_value_error():
    clf = _fit(FFNClassifier((5,), warm_start=True, max_iter=2), X_IRIS, Y_IRIS)
    clf.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="Did hidden_layer_sizes change"):
        clf.fit(X_IRIS, Y_IRIS)
    assert clf.coefs_[0].shape == (4, 5)  # the failed call changed nothing


# -- weights set by hand, persistence ----------------------------------------------
def test_setting_coefs_and_intercepts_changes_predictions():
    clf = _fit(FFNClassifier((5,), max_iter=3, random_state=0), X_IRIS, Y_IRIS)
    before = clf.predict_proba(X_IRIS)
    other = _fit(FFNClassifier((5,), max_iter=3, random_state=1), X_IRIS, Y_IRIS)
    clf.coefs_ = [c.copy() for c in other.coefs_]
    clf.intercepts_ = [b.copy() for b in other.intercepts_]
    assert not np.allclose(clf.predict_proba(X_IRIS), before)
    assert_array_equal(clf.predict_proba(X_IRIS), other.predict_proba(X_IRIS))


@pytest.mark.parametrize("solver", SOLVERS)
def test_pickle_holds_the_weights_and_what_partial_fit_continues_from(solver):
    X = np.tile(X_IRIS, (1, 10))
    clf = _fit(FFNClassifier((64, 32), solver=solver, max_iter=5), X, Y_IRIS)
    weight_bytes = sum(w.nbytes for w in clf.coefs_ + clf.intercepts_)
    blob = pickle.dumps(clf)
    # The weights, plus scikit-learn's optimizer state (velocity; Adam's two
    # moments), kept so that partial_fit continues as scikit-learn's does.
    vectors = {"lbfgs": 0, "sgd": 1, "adam": 2}[solver]
    assert len(blob) < (1.3 + vectors) * weight_bytes + 4096
    restored = pickle.loads(blob)
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    if solver != "lbfgs":
        # Training continues after loading exactly as in memory (both shuffle
        # with the global generator, random_state being None: reseed it).
        np.random.seed(1)  # noqa: NPY002
        restored.partial_fit(X, Y_IRIS)
        np.random.seed(1)  # noqa: NPY002
        clf.partial_fit(X, Y_IRIS)
        _assert_identical_weights(restored, clf)
        assert restored.loss_curve_ == clf.loss_curve_


# -- targets and inputs, as the tags say ----------------------------------------------
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_is_accepted_as_the_tags_say(fmt):
    assert FFNClassifier().__sklearn_tags__().input_tags.sparse
    assert FFNRegressor().__sklearn_tags__().input_tags.sparse
    Xs = sp.random(60, 8, density=0.3, format=fmt, random_state=0)
    y = np.arange(60) % 2
    params = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    a = _fit(FFNClassifier(**params), Xs, y)
    b = _fit(FFNClassifier(**params), Xs.toarray(), y)
    for p, q in zip(_weights(a), _weights(b)):
        assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs.toarray()), rtol=1e-12)


def test_multioutput_regression_fits_as_sklearns_mlp_does():
    # Tags as scikit-learn's MLPRegressor (multi_output False there too), the
    # fit as its: several outputs are supported.
    reg = _fit(
        FFNRegressor(
            hidden_layer_sizes=(10,), solver="lbfgs", max_iter=200, random_state=0
        ),
        X_REG,
        Y_REG,
    )
    assert reg.n_outputs_ == 2
    assert reg.predict(X_REG).shape == (100, 2)
    assert reg.score(X_REG, Y_REG) > 0.9


def test_multilabel_classification_as_the_tags_say():
    assert FFNClassifier().__sklearn_tags__().classifier_tags.multi_label
    clf = _fit(
        FFNClassifier((10,), solver="lbfgs", max_iter=100, random_state=0), X_ML, Y_ML
    )
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X_ML).shape == Y_ML.shape
    proba = clf.predict_proba(X_ML)
    assert proba.shape == Y_ML.shape
    # Independent sigmoids of the logits (saturated ones round to 1), as
    # sklearn's MLP computes them from the same weights.
    assert_allclose(proba, expit(_forward(clf, X_ML, ["relu"])), rtol=1e-12)
    theirs = _fit(MLPClassifier((10,), max_iter=1, random_state=0), X_ML, Y_ML)
    theirs.coefs_ = [c.copy() for c in clf.coefs_]
    theirs.intercepts_ = [b.copy() for b in clf.intercepts_]
    assert_allclose(proba, theirs.predict_proba(X_ML), rtol=0, atol=1e-12)
    assert_array_equal(clf.predict(X_ML), theirs.predict(X_ML))
    assert_array_equal(clf.predict(X_ML), (proba > 0.5).astype(int))
    assert clf.score(X_ML, Y_ML) > 0.3


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_stays_float32_and_float64_stays_float64(Est, solver):
    y = Y_IRIS if Est is FFNClassifier else X_IRIS[:, 0]
    for dtype in (np.float32, np.float64):
        X = X_IRIS.astype(dtype)
        est = _fit(Est(hidden_layer_sizes=(4,), solver=solver, max_iter=5), X, y)
        assert {w.dtype for w in est.coefs_ + est.intercepts_} == {np.dtype(dtype)}
        outputs = (
            [
                est.predict_proba(X),
                est.predict_log_proba(X),
                est.exact_log_proba(X),
                est.logits(X),
            ]
            if Est is FFNClassifier
            else [est.predict(X)]
        )
        assert {out.dtype for out in outputs} == {np.dtype(dtype)}
