"""Reliability: bad input, divergence, interruption, reproducibility.

Nothing silently wrong, nothing lost:

1. Bad input gets a clear error naming the problem, and a fitted model stays
   exactly as it was (one table: input -> exception -> message fragment).
2. Training that goes wrong (divergence, Ctrl-C) stops with usable, finite
   weights and a warning that says what happened; extreme but valid data
   trains without floating-point warnings.
3. The same random_state gives bit-identical models, also across pickle and
   joblib round-trips and continued partial_fit; integer sample weights are
   repeated rows.
"""

from __future__ import annotations

import io
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd
import pytest
from _extras import require_sklearn_version
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import InvalidParameterError

from skffnn import DivergenceWarning, FFNClassifier, FFNRegressor
from skffnn._solvers import AdamOptimizer, SGDOptimizer
from skffnn.network import Network

# -- shared data and helpers -------------------------------------------------

_rng = np.random.RandomState(0)
X = _rng.normal(size=(30, 3))
Y = {"clf": (X[:, 0] > 0).astype(int), "reg": X[:, 0] + 0.5 * X[:, 1]}
FRAME = pd.DataFrame(X, columns=["a", "b", "c"])
ESTIMATORS = {"clf": FFNClassifier, "reg": FFNRegressor}
SKLEARN = {"clf": MLPClassifier, "reg": MLPRegressor}
SMALL = dict(hidden_layer_sizes=(4,), solver="adam", max_iter=20, random_state=0)


def _fitted(kind, on="array", lib=ESTIMATORS):
    est = lib[kind](**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X if on == "array" else FRAME, Y[kind])


def _fitted_state(est) -> dict:
    """Every fitted attribute (public and private), hyperparameters left out,
    as plain values (arrays copied, objects as the dict of their attributes),
    so that equal states compare equal with ``_assert_same``."""

    def plain(v):
        if isinstance(v, np.ndarray):
            return ("array", v.dtype.str, v.shape, v.tobytes())
        if isinstance(v, (list, tuple)):
            return (type(v).__name__, [plain(x) for x in v])
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if hasattr(v, "__getstate__") and hasattr(v, "__dict__"):
            # What the object itself says is its state (scratch space left out).
            state = v.__getstate__()
            if isinstance(state, dict):
                return (type(v).__name__, plain(state))
        if hasattr(v, "__dict__") and not isinstance(v, type):
            return (type(v).__name__, plain(vars(v)))
        if isinstance(v, float) and np.isnan(v):
            return "nan"
        return v

    params = est.get_params(deep=False)
    return plain({k: v for k, v in vars(est).items() if k not in params})


def _flat(est) -> np.ndarray:
    """The fitted weights in the network's flat layout (every W, then every b)."""
    return np.concatenate([c.ravel() for c in est.coefs_] + list(est.intercepts_))


class _Calls:
    """Records the weights at every ``Network.loss_and_gradient`` call.

    With ``raise_at=k`` the k-th call (1-based) raises ``exc`` instead of
    computing, after recording the weights it was given.
    """

    def __init__(self, monkeypatch, raise_at=None, exc=KeyboardInterrupt):
        self.thetas, self.losses, self.finite = [], [], []
        original = Network.loss_and_gradient

        def recording(net, theta, *args, **kwargs):
            self.thetas.append(theta.copy())
            if len(self.thetas) == raise_at:
                raise exc("simulated")
            loss, grad = original(net, theta, *args, **kwargs)
            self.losses.append(loss)
            self.finite.append(bool(np.isfinite(loss) and np.isfinite(grad).all()))
            return loss, grad

        monkeypatch.setattr(Network, "loss_and_gradient", recording)


def _with(a, value, where=0):
    """A float copy of ``a`` with one entry replaced by ``value``."""
    a = np.array(a, dtype=float)
    a.flat[where] = value
    return a


# -- 1. bad input: one table -------------------------------------------------


@dataclass
class Bad:
    """One bad input: the failing call on a fitted model and what it raises.

    ``call(est, X, y)`` gets the fitted model and the data it was fitted on;
    ``on`` says whether that was a NumPy array or a pandas DataFrame; ``sk``
    whether scikit-learn's MLP raises (or warns) with the same type (a version:
    from that scikit-learn on).
    """

    id: str
    kinds: tuple
    call: Callable
    exc: type
    match: str
    on: str = "array"
    sk: bool | str = True


BOTH, CLF, REG = ("clf", "reg"), ("clf",), ("reg",)
SW_NAN, SW_INF = _with(np.ones(30), np.nan), _with(np.ones(30), np.inf)

BAD_INPUT = [
    # -- fit: X, y and sample_weight --
    Bad("fit X has NaN", BOTH, lambda e, X, y: e.fit(_with(X, np.nan), y),
        ValueError, "Input X contains NaN"),
    Bad("fit X has inf", BOTH, lambda e, X, y: e.fit(_with(X, np.inf), y),
        ValueError, "Input X contains infinity"),
    Bad("fit X has -inf", BOTH, lambda e, X, y: e.fit(_with(X, -np.inf), y),
        ValueError, "Input X contains infinity"),
    Bad("fit y has NaN", BOTH, lambda e, X, y: e.fit(X, _with(y, np.nan)),
        ValueError, "Input y contains NaN"),
    Bad("fit y has inf", BOTH, lambda e, X, y: e.fit(X, _with(y, np.inf)),
        ValueError, "Input y contains infinity"),
    Bad("fit sample_weight has NaN", BOTH,
        lambda e, X, y: e.fit(X, y, sample_weight=SW_NAN),
        ValueError, "Input sample_weight contains NaN"),
    Bad("fit sample_weight has inf", BOTH,
        lambda e, X, y: e.fit(X, y, sample_weight=SW_INF),
        ValueError, "Input sample_weight contains infinity"),
    Bad("fit negative sample_weight", BOTH,
        lambda e, X, y: e.fit(X, y, sample_weight=_with(np.ones(30), -1.0)),
        ValueError, "Negative values in data passed to `sample_weight`", sk=False),
    Bad("fit all-zero sample_weight", BOTH,
        lambda e, X, y: e.fit(X, y, sample_weight=np.zeros(30)),
        ValueError, "at least one non-zero", sk="1.9"),
    Bad("fit sample_weight of wrong length", BOTH,
        lambda e, X, y: e.fit(X, y, sample_weight=np.ones(29)),
        ValueError, r"sample_weight.shape == \(29,\), expected \(30,\)"),
    Bad("fit X with 0 rows", BOTH, lambda e, X, y: e.fit(X[:0], y[:0]),
        ValueError, r"0 sample\(s\)"),
    Bad("fit X with 0 columns", BOTH, lambda e, X, y: e.fit(X[:, :0], y),
        ValueError, r"0 feature\(s\)"),
    Bad("fit y of the wrong length", BOTH, lambda e, X, y: e.fit(X, y[:-1]),
        ValueError, "inconsistent numbers of samples: \\[30, 29\\]"),
    Bad("fit 1-D X", BOTH, lambda e, X, y: e.fit(X[:, 0], y),
        ValueError, "Expected 2D array, got 1D array"),
    Bad("fit ragged lists", BOTH, lambda e, X, y: e.fit([[1.0, 2.0], [3.0]] * 15, y),
        ValueError, "inhomogeneous"),
    Bad("fit string X", BOTH, lambda e, X, y: e.fit(np.full((30, 3), "a"), y),
        ValueError, "could not convert string to float"),
    Bad("fit object X with a string", BOTH,
        lambda e, X, y: e.fit(np.array([[1.0, "b", 2.0]] * 30, dtype=object), y),
        ValueError, "could not convert string to float: 'b'"),
    Bad("fit warm_start X with other n_features", BOTH,
        lambda e, X, y: e.set_params(warm_start=True).fit(X[:, :2], y),
        ValueError, "X has 2 features, but .* is expecting 3 features"),
    # -- fit: targets the estimator cannot take --
    Bad("fit classifier on continuous y", CLF, lambda e, X, y: e.fit(X, X[:, 0]),
        ValueError, "Unknown label type: continuous"),
    Bad("fit classifier, one class with positive weight", CLF,
        lambda e, X, y: e.fit(X, y, sample_weight=(y == 1).astype(float)),
        ValueError, "Only one class has non-zero sample weight", sk=False),
    Bad("fit Poisson y < 0", REG,
        lambda e, X, y: e.set_params(loss="poisson").fit(X, y - 10),
        ValueError, "requires non-negative y", sk=False),  # sklearn: loss_ = nan
    # -- fit: hyperparameters --
    Bad("unknown activation", BOTH,
        lambda e, X, y: e.set_params(activation="swish").fit(X, y),
        InvalidParameterError, "'activation' parameter"),
    Bad("unknown activation in a per-layer list", BOTH,
        lambda e, X, y: e.set_params(activation=["swish"]).fit(X, y),
        ValueError, "Unknown activation 'swish'", sk=False),
    Bad("per-layer activation list of the wrong length", BOTH,
        lambda e, X, y: e.set_params(activation=["relu", "tanh"]).fit(X, y),
        ValueError, "activation has 2 entries for 1 hidden layers", sk=False),
    Bad("unknown solver", BOTH, lambda e, X, y: e.set_params(solver="newton").fit(X, y),
        InvalidParameterError, "'solver' parameter"),
    Bad("hidden_layer_sizes with a zero", BOTH,
        lambda e, X, y: e.set_params(hidden_layer_sizes=(4, 0)).fit(X, y),
        ValueError, r"hidden_layer_sizes must be > 0, got \[4, 0\]"),
    Bad("hidden_layer_sizes negative", BOTH,
        lambda e, X, y: e.set_params(hidden_layer_sizes=(-3,)).fit(X, y),
        ValueError, r"hidden_layer_sizes must be > 0, got \[-3\]"),
    Bad("hidden_layer_sizes=0", BOTH,
        lambda e, X, y: e.set_params(hidden_layer_sizes=0).fit(X, y),
        InvalidParameterError, "'hidden_layer_sizes' parameter"),
    # -- partial_fit --
    Bad("partial_fit X with other n_features", BOTH,
        lambda e, X, y: e.partial_fit(X[:, :2], y),
        ValueError, "X has 2 features, but .* is expecting 3 features"),
    Bad("partial_fit X has NaN", BOTH,
        lambda e, X, y: e.partial_fit(_with(X, np.nan), y),
        ValueError, "Input X contains NaN"),
    Bad("partial_fit y of the wrong length", BOTH,
        lambda e, X, y: e.partial_fit(X, y[:-1]),
        ValueError, "inconsistent numbers of samples"),
    Bad("partial_fit label outside classes_", CLF,
        lambda e, X, y: e.partial_fit(X, _with(y, 7)),
        ValueError, "`y` has classes not in `self.classes_`"),
    Bad("partial_fit classifier on continuous y", CLF,
        lambda e, X, y: e.partial_fit(X, X[:, 0]),
        ValueError, "Unknown label type: continuous"),
    Bad("partial_fit negative sample_weight", BOTH,
        lambda e, X, y: e.partial_fit(X, y, sample_weight=-np.ones(30)),
        ValueError, "Negative values in data passed to `sample_weight`", sk=False),
    Bad("partial_fit other feature names", BOTH,
        lambda e, X, y: e.partial_fit(X.rename(columns={"c": "d"}), y),
        ValueError, "feature names should match", on="frame"),
    # -- predict --
    Bad("predict X with other n_features", BOTH, lambda e, X, y: e.predict(X[:, :2]),
        ValueError, "X has 2 features, but .* is expecting 3 features"),
    Bad("predict X has NaN", BOTH, lambda e, X, y: e.predict(_with(X, np.nan)),
        ValueError, "Input X contains NaN"),
    Bad("predict 1-D X", BOTH, lambda e, X, y: e.predict(X[0]),
        ValueError, "Expected 2D array, got 1D array"),
    Bad("predict_proba X with other n_features", CLF,
        lambda e, X, y: e.predict_proba(X[:, :2]),
        ValueError, "X has 2 features, but .* is expecting 3 features"),
    Bad("predict other feature names", BOTH,
        lambda e, X, y: e.predict(X.rename(columns={"c": "d"})),
        ValueError, "Feature names unseen at fit time:\n- d", on="frame"),
    Bad("predict reordered feature names", BOTH,
        lambda e, X, y: e.predict(X[["c", "a", "b"]]),
        ValueError, "Feature names must be in the same order", on="frame"),
    Bad("predict without feature names warns", BOTH,
        lambda e, X, y: e.predict(X.to_numpy()),
        UserWarning, "X does not have valid feature names, but", on="frame"),
    Bad("predict with feature names, fitted without, warns", BOTH,
        lambda e, X, y: e.predict(FRAME),
        UserWarning, "X has feature names, but .* was fitted without feature names"),
]  # fmt: skip

_CASES = [
    pytest.param(case, kind, id=f"{kind}: {case.id}")
    for case in BAD_INPUT
    for kind in case.kinds
]


def _expect(case):
    if issubclass(case.exc, Warning):
        return pytest.warns(case.exc, match=case.match)
    return pytest.raises(case.exc, match=case.match)


@pytest.mark.parametrize("case, kind", _CASES)
def test_bad_input_is_named_and_leaves_a_fitted_model_unchanged(case, kind):
    est = _fitted(kind, case.on)
    data = X if case.on == "array" else FRAME
    predictions, coefs = est.predict(data), [c.copy() for c in est.coefs_]
    state = _fitted_state(est)

    with _expect(case), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        case.call(est, data, Y[kind])

    assert _fitted_state(est) == state
    assert_array_equal(est.predict(data), predictions)
    for before, after in zip(coefs, est.coefs_):
        assert_array_equal(after, before)
    assert est.n_features_in_ == 3
    if kind == "clf":
        assert_array_equal(est.classes_, [0, 1])


@pytest.mark.parametrize("case, kind", [p for p in _CASES if p.values[0].sk])
def test_bad_input_raises_the_same_type_as_sklearn_mlp(case, kind):
    if isinstance(case.sk, str):
        require_sklearn_version(case.sk, "older MLPs raise another type")
    est = _fitted(kind, case.on, lib=SKLEARN)
    with _expect(case.__class__(**{**vars(case), "match": None})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            case.call(est, X if case.on == "array" else FRAME, Y[kind])


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_partial_fit_without_the_feature_names_seen_in_fit_warns_and_trains(kind):
    est = _fitted(kind, on="frame")
    loss_curve = list(est.loss_curve_)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.partial_fit(X, Y[kind])
    assert est.n_iter_ == 1  # scikit-learn counts the epochs of the last call
    assert est.loss_curve_[:-1] == loss_curve
    assert_array_equal(est.feature_names_in_, ["a", "b", "c"])


def test_first_partial_fit_needs_classes_and_labels_inside_them():
    clf = FFNClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, Y["clf"])
    with pytest.raises(ValueError, match=r"`y` has classes not in `self\.classes_`"):
        clf.partial_fit(X, Y["clf"] + 1, classes=[0, 1])
    assert not hasattr(clf, "coefs_")
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X, Y["clf"], classes=[0, 1])  # usable after the failures
    assert_array_equal(clf.classes_, [0, 1])


@pytest.mark.parametrize("kind", ["clf", "reg"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_keyboard_interrupt_before_training_propagates_and_changes_nothing(
    kind, method, monkeypatch
):
    est = _fitted(kind)
    state, predictions = _fitted_state(est), est.predict(X)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(est), "_in_memory_data", interrupted)
    with pytest.raises(KeyboardInterrupt):
        getattr(est.set_params(warm_start=True), method)(X, Y[kind])
    assert _fitted_state(est) == state
    assert_array_equal(est.predict(X), predictions)


@pytest.mark.parametrize("kind", ["clf", "reg"])
@pytest.mark.parametrize("method", ["warm_start fit", "partial_fit"])
def test_error_in_the_middle_of_training_restores_the_model_completely(
    kind, method, monkeypatch
):
    """Lists that training appends to and the optimizer's moments are restored too.

    After the failed call, continuing gives bit-identical weights to continuing
    a copy that never saw the failed call.
    """
    params = dict(SMALL, batch_size=10, warm_start=method == "warm_start fit")
    est = ESTIMATORS[kind](**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y[kind])
        est.partial_fit(X, Y[kind])  # optimizer state to continue from
        twin = pickle.loads(pickle.dumps(est))
        state = _fitted_state(est)

        # 3 batches per epoch: fail in the second epoch of the warm start,
        # in the middle of the one epoch of partial_fit.
        with monkeypatch.context() as m:
            _Calls(m, raise_at=5 if method == "warm_start fit" else 2, exc=MemoryError)
            with pytest.raises(MemoryError):
                if method == "partial_fit":
                    est.partial_fit(X, Y[kind])
                else:
                    est.fit(X, Y[kind])
        assert _fitted_state(est) == state

        for model in (est, twin):
            if method == "partial_fit":
                model.partial_fit(X, Y[kind])
            else:
                model.fit(X, Y[kind])
    assert_array_equal(_flat(est), _flat(twin))
    assert est.loss_curve_ == twin.loss_curve_


# -- 2. training that goes wrong -----------------------------------------------

_big = np.random.RandomState(1)
X_BIG = _big.normal(size=(100, 4)) * 1e3
Y_BIG = 1e9 * X_BIG[:, 0] / 1e3 + 1e8 * (X_BIG[:, 1] / 1e3) ** 2
X_STD = _big.normal(size=(100, 4))

_fp_errors = dict(over="raise", invalid="raise", divide="raise")

DIVERGING = {
    "sgd lr=10 with Nesterov momentum": (
        FFNRegressor, dict(solver="sgd", learning_rate_init=10), X_BIG, Y_BIG / 1e6),
    "sgd lr=10 with momentum": (
        FFNRegressor,
        dict(solver="sgd", learning_rate_init=10, nesterovs_momentum=False),
        X_BIG, Y_BIG / 1e6),
    "sgd lr=10 without momentum": (
        FFNRegressor, dict(solver="sgd", learning_rate_init=10, momentum=0.0),
        X_BIG, Y_BIG / 1e6),
    "sgd default lr, targets ~1e9": (
        FFNRegressor, dict(solver="sgd"), X_BIG, Y_BIG),
    "adam lr=10, Poisson": (
        FFNRegressor, dict(solver="adam", learning_rate_init=10, loss="poisson"),
        X_STD, np.exp(X_STD[:, 0])),
    "classifier sgd lr=10, features ~1e50": (
        FFNClassifier, dict(solver="sgd", learning_rate_init=10),
        X_BIG * 1e47, (X_BIG[:, 0] > 0).astype(int)),
}  # fmt: skip


@pytest.mark.parametrize("case", DIVERGING)
def test_divergence_stops_at_the_first_non_finite_loss_keeping_the_last_finite_weights(
    case, monkeypatch
):
    Est, params, Xd, yd = DIVERGING[case]
    est = Est(hidden_layer_sizes=(8,), max_iter=50, random_state=0, **params)
    calls = _Calls(monkeypatch)
    with warnings.catch_warnings(record=True) as caught, np.errstate(**_fp_errors):
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        est.fit(Xd, yd)

    diverged = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert len(diverged) == 1 and len(caught) == 1, [str(w.message) for w in caught]
    assert issubclass(DivergenceWarning, ConvergenceWarning)
    message = str(diverged[0].message)
    assert "diverged" in message and "non-finite" in message
    assert "smaller learning_rate_init" in message

    first_bad = calls.finite.index(False)
    assert first_bad > 0
    assert len(calls.thetas) == first_bad + 1  # no call after the first bad one
    assert_array_equal(_flat(est), calls.thetas[first_bad - 1])
    assert np.isfinite(calls.losses[first_bad - 1])

    assert est.n_iter_ == len(est.loss_curve_) < 50
    assert np.isfinite(est.loss_curve_[:-1]).all()
    assert not np.isfinite(est.loss_curve_[-1])
    assert not np.isnan(est.predict(Xd).astype(float)).any()
    if Est is FFNClassifier:
        proba = est.predict_proba(Xd)
        assert np.isfinite(proba).all()
        assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert np.isfinite(est.exact_log_proba(Xd)).all()


def test_divergence_with_early_stopping_keeps_the_best_validation_weights(
    monkeypatch,
):
    # 100 rows, 10 held out, 90 in batches of 30: 3 calls per epoch. The
    # validation score is best after epoch 1, bad (huge predictions, even
    # exp overflowing to inf) for epochs 2 to 8, and epoch 9 diverges.
    est = FFNRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd", loss="poisson", learning_rate_init=0.1,
        early_stopping=True, batch_size=30, max_iter=50, random_state=1,
    )  # fmt: skip
    calls = _Calls(monkeypatch)
    with warnings.catch_warnings(), np.errstate(**_fp_errors):
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(DivergenceWarning, match="best weights on the validation"):
            est.fit(X_STD, np.exp(X_STD[:, 0]))
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ >= 3 and np.isnan(scores[-1])
    best_epoch = int(np.nanargmax(scores[:-1])) + 1
    assert est.best_validation_score_ == scores[best_epoch - 1]
    assert_array_equal(_flat(est), calls.thetas[3 * best_epoch])
    assert not np.array_equal(_flat(est), calls.thetas[-2])  # not the last finite
    assert np.isfinite(est.predict(X_STD)).all()


def test_a_last_step_that_overflows_the_outputs_is_undone(monkeypatch):
    """The loss is evaluated before each step: the weights of the very last
    step are checked by one forward pass on its batch."""
    X32 = X_STD[:20].astype(np.float32)
    est = FFNRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd", learning_rate_init=1e36, max_iter=1, batch_size=20,
        random_state=0,
    )  # fmt: skip
    calls = _Calls(monkeypatch)
    with warnings.catch_warnings(), np.errstate(**_fp_errors):
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(DivergenceWarning, match="the last step made the network"):
            est.fit(X32, X32[:, 0])
        predictions = est.predict(X32)
    assert len(calls.thetas) == 1 and all(calls.finite)
    assert_array_equal(_flat(est), calls.thetas[0])  # the weights before the step
    assert np.isfinite(predictions).all()


def test_early_stopping_survives_validation_predictions_overflowing():
    """exp of a huge Poisson score is inf: the validation score is NaN (no
    improvement) instead of r2_score raising on infinite predictions."""
    est = FFNRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd", loss="poisson", learning_rate_init=1.0,
        early_stopping=True, batch_size=30, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings(), np.errstate(**_fp_errors):
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(DivergenceWarning):
            est.fit(X_STD, np.exp(X_STD[:, 0]))
    assert np.isnan(est.validation_scores_).all()
    assert np.isfinite(est.predict(X_STD)).all()  # the initial weights, kept


def test_set_params_loss_without_refit_does_not_change_predictions():
    est = FFNRegressor(**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y["reg"])
    predictions = est.predict(X)
    est.set_params(loss="poisson")
    assert_array_equal(est.predict(X), predictions)
    assert est.out_activation_ == "identity"


EXTREME = {
    "regression, features ~1e6, targets ~1e9": (
        FFNRegressor, {}, X_BIG * 1e3, Y_BIG),
    "Poisson, features ~1e6, targets ~1e9": (
        FFNRegressor, dict(loss="poisson", activation="tanh"), X_BIG * 1e3,
        np.abs(Y_BIG)),
    "binary, features ~1e6 (saturating logits)": (
        FFNClassifier, {}, X_BIG * 1e3, (X_BIG[:, 0] > 0).astype(int)),
    "multiclass, features ~1e6 (saturating logits)": (
        FFNClassifier, dict(activation="logistic"), X_BIG * 1e3,
        np.digitize(X_BIG[:, 0], [-300, 300])),
    "multilabel, features ~1e6 (saturating logits)": (
        FFNClassifier, dict(activation="softplus"), X_BIG * 1e3,
        (X_BIG[:, :3] > 0).astype(int)),
}  # fmt: skip


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("case", EXTREME)
def test_extreme_but_valid_data_trains_without_floating_point_warnings(case, solver):
    Est, params, Xe, ye = EXTREME[case]
    est = Est(
        hidden_layer_sizes=(8,), solver=solver, max_iter=30, random_state=0, **params
    )
    with warnings.catch_warnings(), np.errstate(**_fp_errors):
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("error", DivergenceWarning)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        est.fit(Xe, ye)
        assert np.isfinite(est.loss_curve_).all() and est.loss_curve_
        assert np.isfinite(est.predict(Xe).astype(float)).all()
        if Est is FFNClassifier:
            proba = est.predict_proba(Xe)
            assert ((proba >= 0) & (proba <= 1)).all()
            if ye.ndim == 1:  # multilabel rows need not sum to 1
                assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
            assert np.isfinite(est.exact_log_proba(Xe)).all()


# -- interruption (Ctrl-C) ---------------------------------------------------

X_INT = X_STD
Y_INT = {"clf": (X_STD[:, 0] > 0).astype(int), "reg": X_STD[:, 0]}


def _interrupted_fit(est, y):
    with pytest.warns(UserWarning, match="Training interrupted by user") as record:
        est.fit(X_INT, y)
    assert not [w for w in record if issubclass(w.category, ConvergenceWarning)]
    return est


@pytest.mark.parametrize("kind", ["clf", "reg"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("k", [1, 6, 9])  # 4 calls per epoch
def test_interrupted_fit_keeps_the_weights_reached_so_far(kind, solver, k, monkeypatch):
    est = ESTIMATORS[kind](
        hidden_layer_sizes=(6,), solver=solver, batch_size=25, random_state=0
    )
    calls = _Calls(monkeypatch, raise_at=k)
    _interrupted_fit(est, Y_INT[kind])
    assert_array_equal(_flat(est), calls.thetas[k - 1])
    assert est.n_iter_ == (k - 1) // 4 == len(est.loss_curve_)
    assert np.isfinite(est.predict(X_INT).astype(float)).all()
    est.set_params(max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_INT, Y_INT[kind])  # still a normal estimator


@pytest.mark.parametrize(
    "solver, Optimizer", [("sgd", SGDOptimizer), ("adam", AdamOptimizer)]
)
def test_interrupt_inside_the_optimizer_step_keeps_the_weights_before_the_step(
    solver, Optimizer, monkeypatch
):
    calls = _Calls(monkeypatch)
    original, steps = Optimizer.step, []

    def step(self, theta, grad):
        steps.append(1)
        if len(steps) == 7:
            raise KeyboardInterrupt
        return original(self, theta, grad)

    monkeypatch.setattr(Optimizer, "step", step)
    est = FFNRegressor(
        hidden_layer_sizes=(6,), solver=solver, batch_size=25, random_state=0
    )
    _interrupted_fit(est, Y_INT["reg"])
    assert len(calls.thetas) == 7
    assert_array_equal(_flat(est), calls.thetas[6])
    assert est.n_iter_ == 1


@pytest.mark.parametrize("k", [3, 14])  # 90 training rows, 30 per batch
def test_interrupted_fit_with_early_stopping_keeps_the_best_validation_weights(
    k, monkeypatch
):
    est = FFNClassifier(
        (6,), early_stopping=True, batch_size=30, learning_rate_init=0.05,
        random_state=0,
    )  # fmt: skip
    calls = _Calls(monkeypatch, raise_at=k)
    _interrupted_fit(est, Y_INT["clf"])
    n_epochs = (k - 1) // 3
    assert est.n_iter_ == n_epochs == len(est.validation_scores_)
    best_epoch = int(np.argmax(est.validation_scores_)) + 1 if n_epochs else 0
    assert_array_equal(_flat(est), calls.thetas[3 * best_epoch])


@pytest.mark.parametrize("kind", ["clf", "reg"])
@pytest.mark.parametrize("k", [1, 4, 12])
def test_interrupted_lbfgs_keeps_the_best_weights_evaluated(kind, k, monkeypatch):
    est = ESTIMATORS[kind](hidden_layer_sizes=(6,), solver="lbfgs", random_state=0)
    calls = _Calls(monkeypatch, raise_at=k)
    _interrupted_fit(est, Y_INT[kind])
    if k == 1:
        assert_array_equal(_flat(est), calls.thetas[0])  # the initial weights
        assert est.n_iter_ == 0
        return
    best = int(np.argmin(calls.losses))
    assert_array_equal(_flat(est), calls.thetas[best])
    assert est.loss_ == calls.losses[best]
    assert 0 < est.n_iter_ == len(est.loss_curve_) < k


def test_interrupted_partial_fit_keeps_the_steps_taken_and_n_iter(monkeypatch):
    est = _fitted("reg").set_params(batch_size=10)
    curve = list(est.loss_curve_)
    with monkeypatch.context() as m:
        calls = _Calls(m, raise_at=2)
        with pytest.warns(UserWarning, match="Training interrupted by user"):
            est.partial_fit(X, Y["reg"])
    assert_array_equal(_flat(est), calls.thetas[1])
    assert est.n_iter_ == 0  # the call's one epoch did not finish
    assert est.loss_curve_ == curve
    est.partial_fit(X, Y["reg"])
    assert est.n_iter_ == 1


# -- 3. reproducibility ----------------------------------------------------------

REPRO = [
    ("clf", dict(solver="lbfgs")),
    ("clf", dict(solver="sgd", batch_size=8)),
    ("clf", dict(solver="adam", early_stopping=True)),
    ("reg", dict(solver="lbfgs")),
    ("reg", dict(solver="sgd", batch_size=8, learning_rate="invscaling")),
    ("reg", dict(solver="adam", activation=["tanh", "relu"])),
]
X_REP = _big.normal(size=(60, 3))
Y_REP = {"clf": np.digitize(X_REP[:, 0], [-0.5, 0.5]), "reg": np.sin(X_REP[:, 0])}


def _repro_model(kind, params, seed=0):
    params = {"hidden_layer_sizes": (5, 4), "max_iter": 15, **params}
    est = ESTIMATORS[kind](random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X_REP, Y_REP[kind])


def _outputs(est):
    if isinstance(est, FFNClassifier):
        return est.predict_proba(X_REP)
    return est.predict(X_REP)


@pytest.mark.parametrize("kind, params", REPRO)
def test_same_random_state_gives_bit_identical_weights_and_predictions(kind, params):
    a, b = _repro_model(kind, params), _repro_model(kind, params)
    assert_array_equal(_flat(a), _flat(b))
    assert_array_equal(_outputs(a), _outputs(b))
    assert a.loss_curve_ == b.loss_curve_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X_REP, Y_REP[kind])  # refitting the same object: the same again
    assert_array_equal(_flat(a), _flat(b))


def _round_trips(est, tmp_path):
    yield "pickle", pickle.loads(pickle.dumps(est))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    yield "joblib file", joblib.load(path)
    buffer = io.BytesIO()
    joblib.dump(est, buffer, compress=3)
    buffer.seek(0)
    yield "joblib compressed", joblib.load(buffer)


@pytest.mark.parametrize("kind, params", REPRO)
def test_pickle_and_joblib_round_trips_predict_bit_identically(kind, params, tmp_path):
    est = _repro_model(kind, params)
    for how, loaded in _round_trips(est, tmp_path):
        assert_array_equal(_outputs(loaded), _outputs(est), err_msg=how)
        assert_array_equal(loaded.predict(X_REP), est.predict(X_REP), err_msg=how)
        assert loaded.get_params() == est.get_params()


@pytest.mark.parametrize("start", ["fit", "warm_start fit", "partial_fit"])
@pytest.mark.parametrize(
    "kind, params", [p for p in REPRO if p[1]["solver"] != "lbfgs"]
)
def test_partial_fit_after_a_round_trip_continues_as_without_it(
    kind, params, start, tmp_path
):
    """Whatever the optimizer keeps (nothing after fit, its moments otherwise)
    travels with the model: continuing a loaded copy is bit-identical."""
    params = {
        **params,
        "early_stopping": False,
        "warm_start": start == "warm_start fit",
    }
    est = _repro_model(kind, params)
    if start == "partial_fit":
        est.partial_fit(X_REP, Y_REP[kind])
    loaded = dict(_round_trips(est, tmp_path))
    for model in [est, *loaded.values()]:
        for _ in range(3):
            model.partial_fit(X_REP, Y_REP[kind])
    for how, model in loaded.items():
        assert_array_equal(_flat(model), _flat(est), err_msg=how)
        assert model.n_iter_ == est.n_iter_


def test_fit_keeps_the_optimizer_state_as_plain_arrays_for_partial_fit():
    est = _repro_model("reg", dict(solver="adam"))
    state = est._optimizer_state
    assert state["kind"] == "adam" and state["t"] > 0
    assert [v.shape for v in state["vectors"]] == [(_flat(est).size,)] * 2


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_different_random_states_draw_different_initial_weights(solver, monkeypatch):
    first = {}
    for seed in (0, 1, 0, None, None):
        with monkeypatch.context() as m:
            calls = _Calls(m)
            _repro_model("reg", dict(solver=solver, max_iter=1), seed=seed)
        first.setdefault(seed, []).append(calls.thetas[0])
    assert_array_equal(first[0][0], first[0][1])
    assert not np.allclose(first[0][0], first[1][0])
    assert not np.allclose(first[None][0], first[None][1])


# -- integer sample weights are repeated rows -------------------------------

X_W = _big.normal(size=(40, 3))
W_INT = _big.randint(0, 4, size=40)  # 0 drops a row, 3 triples it
TARGETS_W = {  # estimator, its parameters, y, the network's head
    "squared_error": (
        FFNRegressor, {}, np.sin(X_W[:, 0]) + X_W[:, 1], "squared_error"),
    "poisson": (
        FFNRegressor, dict(loss="poisson"), np.exp(0.5 * X_W[:, 0]), "poisson"),
    "binary": (
        FFNClassifier, {}, (X_W[:, 1] > 0).astype(int), "binary_log_loss"),
    "multiclass": (
        FFNClassifier, {}, np.digitize(X_W[:, 0], [-0.5, 0.5]), "log_loss"),
}  # fmt: skip


def _outputs_on(est, Xq):
    return est.predict_proba(Xq) if isinstance(est, FFNClassifier) else est.predict(Xq)


@pytest.mark.parametrize("target", TARGETS_W)
def test_integer_weights_give_the_objective_of_repeated_rows(target):
    Est, _, y, head = TARGETS_W[target]
    if Est is FFNRegressor:
        Yenc = y[:, None].astype(float)
    else:
        Yenc = LabelBinarizer().fit_transform(y).astype(float)
    net = Network([3, 4, Yenc.shape[1]], "relu", head)
    theta = net.init_params(random_state=0)
    rows = np.repeat(np.arange(40), W_INT)
    for alpha in (0.0, 0.3):
        lw, gw = net.loss_and_gradient(
            theta, X_W, Yenc, W_INT.astype(float), alpha=alpha
        )
        lr, gr = net.loss_and_gradient(theta, X_W[rows], Yenc[rows], alpha=alpha)
        assert_allclose(lw, lr, rtol=1e-13)
        assert_allclose(gw, gr, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("target", ["squared_error", "binary", "multiclass", "poisson"])
def test_integer_weights_match_repeated_rows_for_full_batch_lbfgs(target):
    """Converged tightly, the fits agree to 1e-6.

    L-BFGS-B also stops on a relative loss decrease of ~2e-9 (scipy's ftol,
    which the estimators do not expose), which on a flat optimum can be 1e-5
    away from it. So: a strong L2 penalty (alpha=5, scaled by sum(w) = the
    number of repeated rows, so the same objective) for a well-conditioned,
    unique optimum, and refits from the fitted weights (warm_start) until
    L-BFGS stops at once."""
    Est, params, y, _ = TARGETS_W[target]
    rows = np.repeat(np.arange(40), W_INT)
    fits = []
    for Xf, yf, sw in [(X_W, y, W_INT), (X_W[rows], y[rows], None)]:
        est = Est(
            hidden_layer_sizes=(4,),
            activation="tanh", solver="lbfgs", alpha=5.0, tol=1e-10,
            max_iter=5000, warm_start=True, random_state=0, **params,
        )  # fmt: skip
        for _ in range(10):
            est.fit(Xf, yf, sample_weight=sw)
            if est.n_iter_ <= 2:
                break
        fits.append(est)
    weighted, repeated = fits
    assert_allclose(_outputs_on(weighted, X_W), _outputs_on(repeated, X_W), atol=1e-6)
    assert_allclose(weighted.loss_, repeated.loss_, rtol=1e-9)


@pytest.mark.parametrize("kind", ["clf", "reg"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_integer_weights_match_repeated_rows_for_minibatch_solvers_statistically(
    kind, solver
):
    """The data pins what the weights must do: every x appears with target +1
    (weight 3), -1 (weight 1) and -5 (weight 0). With the weights the optimum
    is the weighted mean, +0.5 (regression) or P(+1) = 0.75 (classifier);
    ignoring them it is -5/3 or 0.5.

    Minibatches make single fits random (the shuffling differs, and a batch's
    gradient is its own weighted mean, a ratio estimator, biased by O(1/batch)),
    so the statistic is the mean over 4 seeds and 11 grid points of the
    prediction. Weighted and repeated must agree within 10% of the distance
    between repeated and unweighted (that distance is the size of the effect
    the weights have; agreement within a tenth of it fails for weights ignored,
    zero weights kept, or weights used as sqrt(w)).
    """
    x = np.linspace(-1, 1, 20)
    Xs = np.tile(x, 3)[:, None]
    ys = np.repeat([1.0, -1.0, -5.0], 20)
    ws = np.repeat([3, 1, 0], 20)
    if kind == "clf":
        ys = (ys > 0).astype(int)
    grid = np.linspace(-1, 1, 11)[:, None]
    rows = np.repeat(np.arange(60), ws)

    def mean_prediction(Xf, yf, sw):
        means = []
        for seed in range(4):
            est = ESTIMATORS[kind](
                hidden_layer_sizes=(8,), activation="tanh", solver=solver,
                learning_rate_init=0.02, batch_size=20, max_iter=100, alpha=1e-4,
                random_state=seed,
            )  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(Xf, yf, sample_weight=sw)
            out = est.predict_proba(grid)[:, 1] if kind == "clf" else est.predict(grid)
            means.append(out.mean())
        return np.mean(means)

    weighted = mean_prediction(Xs, ys, ws)
    repeated = mean_prediction(Xs[rows], ys[rows], None)
    unweighted = mean_prediction(Xs, ys, None)
    assert abs(weighted - repeated) < 0.1 * abs(repeated - unweighted)
    expected = 0.75 if kind == "clf" else 0.5
    assert abs(repeated - expected) < 0.1
