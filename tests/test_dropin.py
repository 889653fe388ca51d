"""Drop-in behaviour: what code written for scikit-learn's MLP observes.

Each test compares with scikit-learn's MLP doing the same thing, or pins down
a behaviour the issue tracker asked for where scikit-learn has none (a
diverging warm start keeps the model it had).
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skffnn import DivergenceWarning, FFNClassifier, FFNRegressor
from skffnn._sklearn import ARRAY_API_SUPPORTED

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_REG, Y_REG = make_regression(n_samples=200, n_features=5, noise=5, random_state=0)
Y_REG = Y_REG / Y_REG.std()
FMAX = np.finfo(np.float64).max
X_HUGE = FMAX * np.random.RandomState(0).uniform(size=(10, 2))
Y_HUGE = np.random.RandomState(1).standard_normal(10)


def _quiet_fit(est, X, y, **kwargs):
    """Fit, ignoring the max_iter warning only (a DivergenceWarning is one too)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Stochastic Optimizer", ConvergenceWarning)
        warnings.filterwarnings("ignore", "lbfgs failed", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


def _state(est):
    return pickle.dumps(est.__dict__)


# -- divergence ------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("pair", ["regressor", "classifier"])
def test_a_loss_non_finite_from_the_start_raises_sklearns_value_error(solver, pair):
    ours, theirs = {
        "regressor": (FFNRegressor, MLPRegressor),
        "classifier": (FFNClassifier, MLPClassifier),
    }[pair]
    y = Y_HUGE if pair == "regressor" else (Y_HUGE > 0).astype(int)
    msg = "Solver produced non-finite parameter weights"
    # sklearn's L-BFGS returns a NaN loss instead, and its classifier's loss
    # from clipped probabilities stays finite: ours is never finite here.
    if solver != "lbfgs" and pair == "regressor":
        with pytest.raises(ValueError, match=msg), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs(solver=solver).fit(X_HUGE, y)
    with pytest.raises(ValueError, match=msg) as info:
        ours(solver=solver).fit(X_HUGE, y)
    assert "scale X" in str(info.value)  # and our hint


@pytest.mark.parametrize("call", ["warm_start", "partial_fit"])
def test_a_call_non_finite_from_the_start_leaves_the_fitted_model_as_it_was(call):
    est = _quiet_fit(
        FFNRegressor(solver="sgd", max_iter=20, random_state=0), X_REG, Y_REG
    )
    before, predictions = _state(est), est.predict(X_REG)
    huge = np.full_like(X_REG, 1e300)
    with pytest.raises(ValueError, match="Solver produced non-finite"):
        if call == "warm_start":
            est.set_params(warm_start=True).fit(huge, Y_REG)
        else:
            est.partial_fit(huge, Y_REG)
    est.set_params(warm_start=False)
    assert _state(est) == before
    assert_array_equal(est.predict(X_REG), predictions)


def test_a_warm_start_that_diverges_later_restores_the_model_it_had():
    est = _quiet_fit(
        FFNRegressor(
            hidden_layer_sizes=(20,), solver="sgd", max_iter=50, random_state=0
        ),
        X_REG,
        Y_REG,
    )
    before, predictions = _state(est), est.predict(X_REG)
    # Finite for nine epochs at this rate, then the loss overflows.
    est.set_params(warm_start=True, learning_rate_init=1.0)
    with pytest.warns(DivergenceWarning, match="Restored the model as it was"):
        _quiet_fit(est, X_REG, Y_REG)
    est.set_params(warm_start=False, learning_rate_init=0.001)
    assert _state(est) == before
    assert_array_equal(est.predict(X_REG), predictions)


def test_a_fresh_fit_that_diverges_later_keeps_its_last_finite_weights():
    est = FFNRegressor(
        hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=1.0, random_state=0
    )
    with pytest.warns(DivergenceWarning, match="Kept the last finite weights"):
        _quiet_fit(est, X_REG, Y_REG)
    assert np.isfinite(est.loss_curve_[:-1]).all()
    assert not np.isfinite(est.loss_curve_[-1])
    assert all(np.isfinite(c).all() for c in est.coefs_)


# -- hyperparameters scikit-learn rejects -------------------------------------------
@pytest.mark.parametrize("sizes", [(8.5,), (8.0,), (4, 2.5), [3, np.float64(2)]])
def test_non_integer_layer_sizes_raise_sklearns_type_error(sizes):
    with pytest.raises(TypeError):
        MLPClassifier(hidden_layer_sizes=sizes, max_iter=2).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="hidden_layer_sizes must contain integers"):
        FFNClassifier(hidden_layer_sizes=sizes, max_iter=2).fit(X_IRIS, Y_IRIS)


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: -1.0}, r"class_weight\[0\] = -1.0: class weights must be finite"),
        ({1: np.nan}, r"class_weight\[1\] = nan"),
        ({2: np.inf}, r"class_weight\[2\] = inf"),
        ({0: "heavy"}, r"class_weight\[0\] = 'heavy'"),
        ({7: 2.0}, r"labels that are not classes of y: \[7\]"),
    ],
)
def test_bad_class_weights_raise_a_value_error_naming_them(class_weight, match):
    clf = FFNClassifier(max_iter=2, class_weight=class_weight)
    with pytest.raises(ValueError, match=match):
        clf.fit(X_IRIS, Y_IRIS)
    assert not hasattr(clf, "coefs_")


def test_class_weights_multiply_the_sample_weights():
    # Oracle: the same fit with the class weights given as sample weights.
    weights = {0: 2.0, 1: 0.5, 2: 1.0}
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=30, random_state=0)
    a = _quiet_fit(FFNClassifier(class_weight=weights, **params), X_IRIS, Y_IRIS)
    sw = np.vectorize(weights.get)(Y_IRIS).astype(float)
    b = _quiet_fit(FFNClassifier(**params), X_IRIS, Y_IRIS, sample_weight=sw)
    for ca, cb in zip(a.coefs_, b.coefs_):
        assert_array_equal(ca, cb)


# -- what scikit-learn's meta-estimators probe -------------------------------------
def test_calibration_sees_probabilities_as_with_sklearns_mlp():
    # CalibratedClassifierCV calibrates decision_function when there is one;
    # without it, predict_proba, as it does for MLPClassifier.
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=10, random_state=0)
    y = (Y_IRIS == 2).astype(int)
    ours = _quiet_fit(
        CalibratedClassifierCV(FFNClassifier(**params), cv=3), X_IRIS, y
    ).predict_proba(X_IRIS)
    theirs = _quiet_fit(
        CalibratedClassifierCV(MLPClassifier(**params), cv=3), X_IRIS, y
    ).predict_proba(X_IRIS)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-7)


def test_a_scalar_non_integer_layer_size_fails_parameter_validation_as_sklearns():
    for Est in (MLPClassifier, FFNClassifier):
        with pytest.raises(InvalidParameterError, match="hidden_layer_sizes"):
            Est(hidden_layer_sizes=3.5).fit(X_IRIS, Y_IRIS)


# -- declared differences (docs/user_guide.md, "Where skffnn differs") ---------------
def test_predict_log_proba_gives_minus_inf_without_a_floating_point_warning():
    clf = _quiet_fit(
        FFNClassifier(hidden_layer_sizes=(4,), random_state=0), X_IRIS, Y_IRIS
    )
    clf.coefs_ = [c * 100.0 for c in clf.coefs_]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_proba = clf.predict_log_proba(X_IRIS)
    assert np.isneginf(log_proba).any()


def test_the_classifiers_loss_is_the_exact_log_loss_of_its_logits_at_saturation():
    # scikit-learn computes the log-loss from probabilities clipped to
    # [eps, 1 - eps]; ours is the log-loss of the logits, exact however
    # confident the model is (here about 2e-12, far below any clipped value).
    from skffnn import functional as F

    y = (Y_IRIS == 0).astype(int)
    params = dict(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, random_state=0)
    clf = _quiet_fit(FFNClassifier(max_iter=1000, **params), X_IRIS * 300, y)
    z = clf.logits(X_IRIS * 300)
    exact = F.binary_log_loss(y[:, None].astype(float), z[:, None])
    assert clf.loss_ == pytest.approx(exact, rel=1e-12)
    assert 0 < clf.loss_ < 1e-10


def test_every_declared_difference_names_a_test_that_exists():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    guide = (root / "docs" / "user_guide.md").read_text()
    table = guide[guide.index("## Where skffnn differs") :]
    rows = [line for line in table.splitlines() if line.startswith("| ")][2:]
    assert len(rows) >= 10
    for row in rows:
        names = re.findall(r"`(test_\w+\.py)(?:::(test_\w+))?`", row)
        assert names, row
        for path, test in names:
            source = (root / "tests" / path).read_text()
            assert not test or f"def {test}(" in source, (path, test)


@pytest.mark.parametrize(
    "ours, theirs", [(FFNClassifier, MLPClassifier), (FFNRegressor, MLPRegressor)]
)
def test_tags_and_public_names_are_sklearns(ours, theirs):
    import dataclasses

    from sklearn.utils import get_tags

    def flat(tags, prefix=""):
        out = {}
        for f in dataclasses.fields(tags):
            value = getattr(tags, f.name)
            if dataclasses.is_dataclass(value):
                out.update(flat(value, f"{prefix}{f.name}."))
            else:
                out[prefix + f.name] = value
        return out

    # The one declared difference: ours computes in X's array namespace under
    # array API dispatch (docs/array_api.md), scikit-learn's MLP does not.
    our_tags, their_tags = flat(get_tags(ours())), flat(get_tags(theirs()))
    # (scikit-learn 1.9's array API contract: before it, ours is False too.)
    assert our_tags.pop("array_api_support") is ARRAY_API_SUPPORTED
    their_tags.pop("array_api_support")
    assert our_tags == their_tags
    public = {n for n in dir(theirs()) if not n.startswith("_")}
    ours_public = {n for n in dir(ours()) if not n.startswith("_")}
    # Ours has every public name of scikit-learn's, plus the declared extras.
    assert ours_public - public <= {
        "class_weight", "exact_log_proba", "logits", "set_callbacks",
    }  # fmt: skip
    assert public <= ours_public
