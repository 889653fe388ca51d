"""TabularFFNClassifier / TabularFFNRegressor: scikit-learn's checks and use."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from skffnn import RobustSmoothClipScaler, TabularFFNClassifier, TabularFFNRegressor

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

# The best epoch is chosen on a held-out split drawn from the rows, so a row
# repeated twice is not the same as a row of weight 2 (the repeated data has
# more rows, hence another split). scikit-learn declares this check failing
# for its own estimators that hold out or resample rows (HistGradientBoosting,
# GradientBoosting, Bagging, AdaBoost: PER_ESTIMATOR_XFAIL_CHECKS).
SPLIT = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the held-out split for best-epoch selection draws rows: repeating a row "
        "is not weighting it (as for scikit-learn's HistGradientBoosting)"
    )
}


def _expected_failed_checks(estimator):
    return {} if isinstance(estimator, RobustSmoothClipScaler) else SPLIT


@parametrize_with_checks(
    [TabularFFNClassifier(), TabularFFNRegressor(), RobustSmoothClipScaler()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks_pass_at_default_parameters(estimator, check):
    check(estimator)


def test_hist_gradient_boosting_declares_the_same_check_failing():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.utils._test_common.instance_generator import (
        PER_ESTIMATOR_XFAIL_CHECKS,
    )

    assert set(SPLIT) <= set(PER_ESTIMATOR_XFAIL_CHECKS[HistGradientBoostingRegressor])


FAST = {"max_iter": 15, "hidden_layer_sizes": (32, 32)}


def _data(kind):
    if kind == "clf":
        X, y = load_breast_cancer(return_X_y=True)
        return X, y, TabularFFNClassifier
    X, y = load_diabetes(return_X_y=True)
    return X, y, TabularFFNRegressor


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_same_random_state_gives_identical_models(kind):
    X, y, Est = _data(kind)
    a = Est(**FAST, random_state=3, n_ensemble=2).fit(X, y)
    b = Est(**FAST, random_state=3, n_ensemble=2).fit(X, y)
    np.testing.assert_array_equal(a.params_, b.params_)
    c = Est(**FAST, random_state=4, n_ensemble=2).fit(X, y)
    assert not np.array_equal(a.params_, c.params_)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_pickle_joblib_and_clone_round_trip(kind, tmp_path):
    X, y, Est = _data(kind)
    est = Est(**FAST, embedding="pbld", random_state=0).fit(X, y)
    pred = est.predict(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), pred)
    joblib.dump(est, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib").predict(X), pred)
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_skops_lists_only_our_classes_as_untrusted(kind):
    sio = pytest.importorskip("skops.io")
    X, y, Est = _data(kind)
    est = Est(**FAST, random_state=0).fit(X, y)
    blob = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(t.startswith("skffnn.") for t in untrusted), untrusted
    loaded = sio.loads(blob, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_pipeline_and_grid_search():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(FunctionTransformer(), TabularFFNClassifier(**FAST))
    search = GridSearchCV(pipe, {"tabularffnclassifier__n_ensemble": [1, 2]}, cv=2)
    search.fit(X, y)
    assert search.best_score_ > 0.8


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_float32_input_fits_and_predicts_like_float64(kind):
    X, y, Est = _data(kind)
    a = Est(**FAST, random_state=0).fit(X, y)
    b = Est(**FAST, random_state=0).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(a.predict(X[:20]), b.predict(X[:20]), rtol=1e-2, atol=2)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_bad_input_errors_name_the_problem(kind):
    X, y, Est = _data(kind)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est(**FAST).fit(bad, y)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        Est(**FAST).fit(bad, y)
    strings = X.astype(str).astype(object)
    strings[0, 0] = "a"
    with pytest.raises(ValueError, match=r"string|convert"):
        Est(**FAST).fit(strings, y)


def test_one_class_error_names_it():
    X, _, _ = _data("clf")
    with pytest.raises(ValueError, match="only one class"):
        TabularFFNClassifier(**FAST).fit(X, np.zeros(len(X)))


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_a_constant_column_works(kind):
    X, y, Est = _data(kind)
    X = np.column_stack([X, np.full(len(X), 7.0)])
    est = Est(**FAST, random_state=0).fit(X, y)
    assert est.preprocessor_.scale_[-1] == 0
    assert np.all(np.isfinite(est.predict(X)))


def test_two_valued_columns_pass_the_periodic_embedding_by():
    X, y = load_diabetes(return_X_y=True)  # column 1 (sex) has two values
    est = TabularFFNRegressor(**FAST, random_state=0).fit(X, y)
    net = est.net_
    assert net.columns == (0, *range(2, 10), 1) and net.n_embedded == 9
    assert net.views(est.params_)["emb_w"].shape == (9, est.n_frequencies)
    # Its gradient needs none of the embedding's parameters either.
    assert net.input_width == 9 * (1 + est.embedding_dim) + 1


def test_sample_weight_zero_is_dropping_the_rows_without_a_split():
    X, y = load_iris(return_X_y=True)
    w = np.ones(len(y))
    w[::3] = 0
    # The preprocessing's medians and quantiles are unweighted: leave it out.
    params = dict(
        FAST,
        validation_fraction=0.0,
        batch_size=1000,
        preprocessing=None,
        random_state=0,
    )
    a = TabularFFNClassifier(**params).fit(X, y, sample_weight=w)
    b = TabularFFNClassifier(**params).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)


def test_regressor_clips_to_the_training_range_and_standardises():
    X, y = load_diabetes(return_X_y=True)
    reg = TabularFFNRegressor(**FAST, random_state=0).fit(X, y)
    pred = reg.predict(X * 50)
    assert pred.min() >= y.min() and pred.max() <= y.max()
    np.testing.assert_allclose(reg.y_mean_, y.mean())


def test_best_epoch_is_restored_and_curves_are_reported():
    X, y, _ = _data("clf")
    clf = TabularFFNClassifier(**FAST, random_state=0).fit(X, y)
    assert clf.n_iter_ == 15 == len(clf.loss_curve_) == len(clf.validation_scores_)
    assert 1 <= clf.best_epoch_ <= 15
    assert clf.best_validation_score_ == clf.validation_scores_[clf.best_epoch_ - 1]


def _loss_and_seed(est, out, Y, w):
    """The estimator's training loss (a float) and seed, computed by NumPy."""
    loss, seed = est._loss_and_seed(out, Y, w, w.sum(), np)
    return float(loss), seed


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_classification_loss_seed_matches_finite_differences(smoothing):
    clf = TabularFFNClassifier(label_smoothing=smoothing)
    rng = np.random.default_rng(0)
    out = rng.normal(size=(3, 5, 4))
    Y = np.eye(4)[rng.integers(0, 4, 5)]
    w = rng.uniform(0.5, 2, 5)
    _, seed = _loss_and_seed(clf, out, Y, w)
    num = np.zeros_like(out)
    for i in np.ndindex(out.shape):
        e = np.zeros_like(out)
        e[i] = 1e-6
        num[i] = (
            _loss_and_seed(clf, out + e, Y, w)[0]
            - _loss_and_seed(clf, out - e, Y, w)[0]
        ) / 2e-6
    np.testing.assert_allclose(seed, num, rtol=1e-6, atol=1e-10)


def test_regression_loss_seed_matches_finite_differences():
    reg = TabularFFNRegressor()
    rng = np.random.default_rng(0)
    out, Y, w = rng.normal(size=(2, 5, 3)), rng.normal(size=(5, 3)), rng.uniform(size=5)
    _, seed = _loss_and_seed(reg, out, Y, w)
    num = np.zeros_like(out)
    for i in np.ndindex(out.shape):
        e = np.zeros_like(out)
        e[i] = 1e-6
        num[i] = (
            _loss_and_seed(reg, out + e, Y, w)[0]
            - _loss_and_seed(reg, out - e, Y, w)[0]
        ) / 2e-6
    np.testing.assert_allclose(seed, num, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        {"lr_schedule": "cosine_warmup", "dropout": 0.2, "weight_decay": 0.02},
        {"parametric_activation": True, "activation": "mish", "n_ensemble": 4},
        {"embedding": "pbld", "label_smoothing": 0.1, "selection": "error"},
        {"preprocessing": "robust", "lr_factors": {"scale": 1.0}, "beta_2": 0.999},
    ],
)
def test_every_ingredient_trains_to_a_good_model(params):
    X, y, _ = _data("clf")
    clf = TabularFFNClassifier(**FAST, batch_size=64, random_state=0, **params)
    clf.fit(X, y)
    assert clf.score(X, y) > 0.9


def test_unknown_lr_factor_group_is_named():
    X, y, _ = _data("clf")
    with pytest.raises(ValueError, match="lr_factors has unknown groups"):
        TabularFFNClassifier(**FAST, lr_factors={"weights": 2}).fit(X, y)


def test_callbacks_see_one_task_per_epoch_and_can_score_the_model():
    callback = pytest.importorskip("sklearn.callback")
    X, y = load_iris(return_X_y=True)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = TabularFFNClassifier(**FAST, random_state=0).set_callbacks(monitor)
    clf.fit(X, y)
    rows = monitor.get_logs().data
    assert len(rows) == 1 + clf.n_iter_
    assert rows[0]["accuracy"] == clf.score(X, y)


def test_progress_bar_runs_to_the_end():
    pytest.importorskip("sklearn.callback")
    from skffnn import ProgressBar

    X, y = load_iris(return_X_y=True)
    clf = TabularFFNClassifier(**FAST, random_state=0).set_callbacks(ProgressBar())
    assert clf.fit(X, y).n_iter_ == FAST["max_iter"]


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_a_diverged_fit_raises_and_leaves_the_fitted_model_as_it_was(kind):
    X, y, Est = _data(kind)
    est = Est(**FAST, random_state=0).fit(X, y)
    before, params = est.predict(X), est.params_.copy()
    est.set_params(learning_rate=1e38)  # float32 overflows
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X, y)
    np.testing.assert_array_equal(est.params_, params)
    np.testing.assert_array_equal(est.predict(X), before)


class _FixedOutputs:
    """A stand-in network whose forward pass returns fixed member outputs."""

    def __init__(self, out):
        self.out = out

    def forward(self, theta, X):
        return self.out, None


def test_validation_log_loss_is_exact_where_probabilities_underflow():
    """The held-out log-loss comes from the logits (log-softmax, then logsumexp
    over the members), not from probabilities clipped at 1e-15."""
    # Two members, two rows; the true class is 200 (row 0) and 1 (row 1)
    # below the other in member 0's logits, 300 and 2 in member 1's.
    out = np.array([[[0.0, 200.0], [1.0, 0.0]], [[0.0, 300.0], [2.0, 0.0]]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = np.array([1.0, 3.0])
    clf = TabularFFNClassifier(selection="log_loss")
    acc, (logloss, _) = clf._validation(_FixedOutputs(out), None, None, Y, w, np)
    # log of the members' mean probability of the true class, row by row.
    row0 = np.logaddexp(-200 - np.log1p(np.exp(-200)), -300) - np.log(2)
    row1 = np.logaddexp(-np.log1p(np.exp(1)), -np.log1p(np.exp(2))) - np.log(2)
    assert acc == 0.0
    assert logloss == pytest.approx(-(1 * row0 + 3 * row1) / 4, rel=1e-12)
