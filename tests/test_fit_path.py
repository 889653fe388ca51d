"""One fit, read as a user sees it: warm starts, solver switches, partial_fit
batches, dask blocks, warnings and the class docstring.

Each test pins down a behaviour that once went wrong (a callback never torn
down, a partial class_weight refused per batch, a two-label indicator taken for
a binary target, an empty dask block, a float32 batch resetting Adam, a solver
switch crashing, warnings pointing into the package). The oracles: scikit-learn's
MLP, the in-memory fit for the dask path, and the documented rule.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import DivergenceWarning, FFNClassifier, FFNRegressor

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_STD = StandardScaler().fit_transform(X_IRIS)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# -- issue 19, item 1: callbacks torn down after a rolled-back call -------------------
class _Recorder:
    def __init__(self):
        self.events = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        pass


def _watched_sgd_fit():
    pytest.importorskip("sklearn.callback")
    clf = _quiet(
        FFNClassifier((8,), solver="sgd", max_iter=20, random_state=0).fit,
        X_STD,
        Y_IRIS,
    )
    rec = _Recorder()
    clf.set_callbacks(rec)
    return clf, rec


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_callbacks_are_torn_down_when_a_warm_start_diverges_and_is_undone():
    clf, rec = _watched_sgd_fit()
    clf.set_params(warm_start=True, learning_rate_init=1e200, momentum=0, max_iter=1)
    with pytest.warns(DivergenceWarning, match="Restored the model"):
        clf.fit(X_STD, Y_IRIS)
    assert rec.events == ["setup", "teardown"]
    # ... and the estimator holds no callback context after the call.
    assert not hasattr(clf, "_callback_fit_ctx")


def test_callbacks_are_torn_down_when_a_partial_fit_is_undone():
    clf, rec = _watched_sgd_fit()
    # Undone either way: a warning (diverged) or scikit-learn's ValueError.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        try:
            clf.partial_fit(X_STD * 1e300, Y_IRIS)
        except ValueError as exc:
            assert "non-finite" in str(exc)
    assert rec.events == ["setup", "teardown"]
    assert not hasattr(clf, "_callback_fit_ctx")


# -- item 2: a partial class_weight dict, resolved once against classes_ ---------------
def test_partial_class_weight_dict_works_for_a_partial_fit_batch_without_that_class():
    clf = FFNClassifier((5,), class_weight={0: 2.0}, random_state=0)
    rest = Y_IRIS > 0
    clf.partial_fit(X_STD[rest], Y_IRIS[rest], classes=[0, 1, 2])
    clf.partial_fit(X_STD, Y_IRIS)
    assert clf.t_ == rest.sum() + len(Y_IRIS)


def test_partial_class_weight_dict_weighs_as_the_full_dict_with_ones():
    a = _quiet(
        FFNClassifier((5,), class_weight={0: 2.0}, random_state=0, max_iter=5).fit,
        X_STD,
        Y_IRIS,
    )
    b = _quiet(
        FFNClassifier(
            (5,), class_weight={0: 2.0, 1: 1.0, 2: 1.0}, random_state=0, max_iter=5
        ).fit,
        X_STD,
        Y_IRIS,
    )
    for p, q in zip(a.coefs_, b.coefs_):
        assert_array_equal(p, q)


def test_partial_class_weight_dict_works_on_a_dask_block_without_that_class():
    da = pytest.importorskip("dask.array")
    clf = FFNClassifier(
        (5,), class_weight={0: 2.0}, solver="lbfgs", max_iter=5, random_state=0
    )
    ours = _quiet(clf.fit, da.from_array(X_STD, chunks=50), Y_IRIS)
    memory = _quiet(clf.__class__(**clf.get_params()).fit, X_STD, Y_IRIS)
    for p, q in zip(ours.coefs_, memory.coefs_):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-9)


# -- item 3: two-label indicator with sample_weight -----------------------------------
def _two_labels():
    return np.column_stack([np.ones_like(Y_IRIS), Y_IRIS == 1]).astype(int)


def test_two_label_indicator_with_sample_weight_fits_as_sklearns_mlp():
    Y = _two_labels()
    sw = np.ones(len(Y))
    ours = _quiet(
        FFNClassifier((5,), max_iter=5, random_state=0).fit, X_STD, Y, sample_weight=sw
    )
    theirs = _quiet(MLPClassifier((5,), max_iter=5, random_state=0).fit, X_STD, Y)
    assert ours.n_outputs_ == theirs.n_outputs_ == 2
    assert ours.predict(X_STD).shape == (len(Y), 2)


def test_two_label_indicator_with_sample_weight_fits_on_dask():
    da = pytest.importorskip("dask.array")
    Y = _two_labels()
    sw = np.ones(len(Y))
    est = FFNClassifier((5,), solver="lbfgs", max_iter=5, random_state=0)
    ours = _quiet(
        est.fit,
        da.from_array(X_STD, chunks=50),
        da.from_array(Y, chunks=(50, 2)),
        sample_weight=da.from_array(sw, chunks=50),
    )
    assert ours.n_outputs_ == 2


# -- item 4: empty dask blocks and an empty dask X -------------------------------------
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_an_empty_dask_block_contributes_nothing(Est):
    da = pytest.importorskip("dask.array")
    keep = np.ones(len(Y_IRIS), bool)
    keep[50:100] = False
    X, y = X_STD[keep], Y_IRIS[keep] * (1.0 if Est is FFNRegressor else 1)
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0)
    chunks = (50, 0, 50)
    ours = _quiet(
        Est(**params).fit,
        da.from_array(X, chunks=(chunks, 4)),
        da.from_array(y, chunks=(chunks,)),
    )
    memory = _quiet(Est(**params).fit, X, y)
    for p, q in zip(ours.coefs_, memory.coefs_):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_an_empty_dask_x_gets_sklearns_message(Est):
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        Est(hidden_layer_sizes=(5,)).fit(
            da.from_array(X_STD[:0], chunks=(0, 4)),
            da.from_array(Y_IRIS[:0] * 1.0, chunks=0),
        )


def test_a_masked_dask_array_with_unknown_chunks_fits():
    da = pytest.importorskip("dask.array")
    Xd, yd = da.from_array(X_STD, chunks=50), da.from_array(Y_IRIS * 1.0, chunks=50)
    mask = yd != 1.0  # unknown chunk sizes after boolean indexing
    reg = FFNRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5)
    _quiet(reg.fit, Xd[mask], yd[mask])
    assert reg.n_features_in_ == 4


# -- item 5: a float32 batch after float64 ones ---------------------------------------
@pytest.mark.parametrize("Est", [MLPClassifier, FFNClassifier])
def test_partial_fit_keeps_the_models_dtype_and_continues_adam(Est):
    clf = Est((5,), random_state=0)
    clf.partial_fit(X_STD, Y_IRIS, classes=[0, 1, 2])
    clf.partial_fit(X_STD, Y_IRIS)
    clf.partial_fit(X_STD.astype(np.float32), Y_IRIS)
    assert clf.coefs_[0].dtype == np.float64
    t = clf._optimizer.t if Est is MLPClassifier else clf._optimizer_state["t"]
    assert t == 3


def test_a_float32_partial_fit_batch_trains_as_the_same_batch_in_float64():
    a = FFNClassifier((5,), random_state=0)
    b = FFNClassifier((5,), random_state=0)
    for est in (a, b):
        est.partial_fit(X_STD, Y_IRIS, classes=[0, 1, 2])
    X32 = X_STD.astype(np.float32)
    a.partial_fit(X32, Y_IRIS)
    b.partial_fit(X32.astype(np.float64), Y_IRIS)
    for p, q in zip(a.coefs_, b.coefs_):
        assert_array_equal(p, q)


# -- item 6: switching solvers on a warm start -----------------------------------------
STOCHASTIC_ONLY = (
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "_no_improvement_count",
    "_optimizer_state",
)


def _fresh(solver, **params):
    est = FFNClassifier((5,), solver=solver, max_iter=4, random_state=0, **params)
    return _quiet(est.fit, X_STD, Y_IRIS)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("new", ["sgd", "adam"])
def test_warm_start_from_lbfgs_to_a_stochastic_solver_starts_its_histories(
    new, early_stopping
):
    clf = _fresh("lbfgs")
    clf.set_params(
        solver=new, early_stopping=early_stopping, warm_start=True, max_iter=3
    )
    _quiet(clf.fit, X_STD, Y_IRIS)
    fresh = _fresh(new, early_stopping=early_stopping)
    for name in STOCHASTIC_ONLY:
        assert hasattr(clf, name) == hasattr(fresh, name), name
    assert len(clf.loss_curve_) == len(clf.epoch_times_) == clf.n_iter_ == 3
    n_train = len(Y_IRIS) - (15 if early_stopping else 0)
    assert clf.t_ == 3 * n_train
    if early_stopping:
        assert len(clf.validation_scores_) == 3
        assert clf.best_loss_ is None
    else:
        assert clf.best_loss_ == min(clf.loss_curve_)


@pytest.mark.parametrize("old", ["sgd", "adam"])
def test_warm_start_from_a_stochastic_solver_to_lbfgs_drops_the_old_bookkeeping(old):
    clf = _fresh(old, early_stopping=True)
    clf.set_params(solver="lbfgs", warm_start=True, max_iter=3)
    _quiet(clf.fit, X_STD, Y_IRIS)
    for name in STOCHASTIC_ONLY:
        assert not hasattr(clf, name), name
    assert clf.t_ == 0
    assert clf.validation_loss_curve_ is None
    assert len(clf.loss_curve_) == len(clf.epoch_times_) == clf.n_iter_


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_warm_start_with_the_same_solver_extends_the_loss_curve(solver):
    clf = _fresh(solver)
    first = list(clf.loss_curve_)
    clf.set_params(warm_start=True, max_iter=3)
    _quiet(clf.fit, X_STD, Y_IRIS)
    assert clf.loss_curve_[: len(first)] == first
    assert len(clf.loss_curve_) == len(first) + clf.n_iter_
    assert len(clf.epoch_times_) == len(clf.loss_curve_)


def test_warm_start_between_sgd_and_adam_continues_the_history_as_sklearn():
    ours = _fresh("sgd")
    theirs = _quiet(
        MLPClassifier((5,), solver="sgd", max_iter=4, random_state=0).fit,
        X_STD,
        Y_IRIS,
    )
    for est in (ours, theirs):
        est.set_params(solver="adam", warm_start=True, max_iter=3)
        _quiet(est.fit, X_STD, Y_IRIS)
    assert ours.t_ == theirs.t_ == 7 * len(Y_IRIS)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 7


# -- item 7: warnings point at the user's line ---------------------------------------
def _warned_here(fn, category):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn()
    hits = [w for w in record if issubclass(w.category, category)]
    assert hits, [str(w.message) for w in record]
    return {w.filename for w in hits}


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("through", ["estimator", "pipeline"])
def test_convergence_warning_points_at_the_callers_line(solver, through):
    clf = FFNClassifier((5,), solver=solver, max_iter=2, random_state=0)
    est = clf if through == "estimator" else make_pipeline(StandardScaler(), clf)
    assert _warned_here(lambda: est.fit(X_IRIS, Y_IRIS), ConvergenceWarning) == {
        __file__
    }


def test_divergence_warning_points_at_the_callers_line():
    clf = _quiet(
        FFNClassifier((8,), solver="sgd", max_iter=20, random_state=0).fit,
        X_STD,
        Y_IRIS,
    )
    clf.set_params(warm_start=True, learning_rate_init=1e200, momentum=0, max_iter=1)
    assert _warned_here(lambda: clf.fit(X_STD, Y_IRIS), DivergenceWarning) == {__file__}


def test_batch_size_warning_points_at_the_callers_line():
    clf = FFNClassifier((5,), batch_size=1000, max_iter=1, random_state=0)
    assert _warned_here(lambda: clf.fit(X_STD, Y_IRIS), UserWarning) == {__file__}


def test_dask_column_vector_warning_points_at_the_callers_line():
    da = pytest.importorskip("dask.array")
    from sklearn.exceptions import DataConversionWarning

    reg = FFNRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=2)
    y = da.from_array(X_STD[:, :1], chunks=50)
    X = da.from_array(X_STD, chunks=50)
    assert _warned_here(lambda: reg.fit(X, y), DataConversionWarning) == {__file__}


# -- item 9: what the class docstring says about predict_log_proba ---------------------
@pytest.mark.parametrize("Est", [FFNClassifier])
def test_docstrings_claims_about_predict_log_proba_match_the_method(Est):
    """Where a docstring says ``predict_log_proba`` is finite, it must be."""
    clf = FFNClassifier((), solver="lbfgs", random_state=0).fit(
        np.array([[-1.0], [1.0]]), [0, 1]
    )
    clf.coefs_[0][...] = 1000.0  # saturated: log(predict_proba) is -inf
    clf.intercepts_[0][...] = 0.0
    log_proba = clf.predict_log_proba([[1.0]])
    assert np.isneginf(log_proba).any()  # the method: exactly log(predict_proba)
    text = " ".join(Est.__doc__.split())
    claims = re.findall(r"``predict_log_proba``[^.;]*[.;]", text)
    for claim in claims:
        assert "finite" not in claim or "not" in claim, claim


# -- item 11: the classifier names the scale problem ---------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_classifier_fit_on_hugely_scaled_x_names_the_scale_problem(solver):
    clf = FFNClassifier((5,), solver=solver, max_iter=20, random_state=0)
    with pytest.raises(ValueError, match="scale X"):
        clf.fit(X_IRIS * 1e200, Y_IRIS)
    with pytest.raises(ValueError, match="scale X"):
        FFNRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=20).fit(
            X_IRIS * 1e200, Y_IRIS
        )


def test_one_class_predict_proba_has_one_column_per_class():
    """Documented difference: scikit-learn's MLP gives (n, 2) for one class."""
    y = np.zeros(len(Y_IRIS), int)
    ours = _quiet(FFNClassifier((3,), max_iter=2, random_state=0).fit, X_STD, y)
    theirs = _quiet(MLPClassifier((3,), max_iter=2, random_state=0).fit, X_STD, y)
    assert ours.predict_proba(X_STD).shape == (len(y), len(ours.classes_)) == (150, 1)
    assert theirs.predict_proba(X_STD).shape == (150, 2)
    assert_array_equal(ours.predict(X_STD), 0)


# -- issue 20: the dask path validates and encodes without touching the estimator -----
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_dask_training_data_writes_nothing_on_the_estimator(Est):
    da = pytest.importorskip("dask.array")
    from skffnn import _dask

    est = _quiet(
        Est(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit, X_STD, Y_IRIS
    )
    before = dict(vars(est))
    data = _dask.training_data(
        est, da.from_array(X_STD, chunks=50), Y_IRIS, None, reset=False,
        incremental=True,
    )  # fmt: skip
    assert vars(est).keys() == before.keys()
    assert all(vars(est)[k] is v for k, v in before.items())
    assert data.n_samples == len(Y_IRIS) and data.n_features == 4


def test_multilabel_partial_fit_follows_sklearns_from_its_first_call():
    # The first partial_fit binarizes the indicator itself, not ``classes``
    # (a binarizer fitted on [0, 1, 2] refuses the indicator matrix).
    X, Y = make_multilabel_classification(
        n_samples=60, n_features=5, n_classes=3, random_state=0
    )
    params = dict(hidden_layer_sizes=(4,), random_state=0)
    ours, theirs = FFNClassifier(**params), MLPClassifier(**params)
    for est in (ours, theirs):
        est.partial_fit(X, Y, classes=[0, 1, 2]).partial_fit(X, Y)
    assert ours._label_binarizer.y_type_ == "multilabel-indicator"
    assert_array_equal(ours.classes_, theirs.classes_)
    for p, q in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(p, q, rtol=0, atol=1e-12)
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-9)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_batch_of_zero_weight_is_skipped_as_if_its_rows_were_absent(solver):
    # Its gradient would be 0 / 0: no step, and the optimizer's state (Adam's
    # t, the momentum) untouched, so the weights are those of the fit without
    # these rows. (The loss curve differs: its rows count, at zero loss.)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5]
    w = np.ones(40)
    w[:10] = 0.0
    params = dict(
        hidden_layer_sizes=(4,), solver=solver, batch_size=10, shuffle=False,
        max_iter=4, random_state=0, learning_rate_init=0.01,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = FFNRegressor(**params).fit(X, y, sample_weight=w)
        without = FFNRegressor(**params).fit(X[10:], y[10:])
    assert weighted.n_iter_ == without.n_iter_ == 4
    for p, q in zip(
        weighted.coefs_ + weighted.intercepts_, without.coefs_ + without.intercepts_
    ):
        assert_array_equal(p, q)


def test_dask_split_of_a_binary_target_holds_out_each_class_as_asked():
    # A binary target is encoded as one 0/1 column: its class is that column,
    # not the argmax of one column (always 0, an unstratified split).
    from skffnn._dask import _class_counts, _split_block

    Y = np.array([[0.0]] * 8 + [[1.0]] * 4)
    X = np.arange(12.0)[:, None]
    assert_array_equal(_class_counts((X, Y, None), 2), [8, 4])
    kept, held = _split_block((X, Y, None), 0, [2, 3], stratify=True)
    assert sorted(held[1][:, 0]) == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert kept[0].shape[0] == 7
