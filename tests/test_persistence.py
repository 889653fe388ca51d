"""Saving and loading: skops files need only the estimator's class trusted, and
every file carries the skffnn version.

Oracles: the model before saving (every prediction method, bit for bit), the
same model through pickle (a ``partial_fit`` after the skops round trip must
give the weights a ``partial_fit`` after a pickle round trip gives, and the
in-memory model's), and scikit-learn's own persistence checks.
"""

import copy
import inspect
import io
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
from _extras import require_extra
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimators_pickle

import skffnn
from skffnn import FFNClassifier, FFNRegressor, SkffnnVersionWarning

sio = require_extra("skops.io", "skops")

SOLVERS = ["sgd", "adam", "lbfgs"]


def _prediction_methods(est) -> list[str]:
    """Every public method that takes just ``X``: predict, predict_proba, ...

    Found by signature, so a prediction method the classes gain later is
    checked too.
    """
    names = []
    for name in dir(type(est)):
        if name.startswith("_") or not hasattr(est, name):
            continue
        method = getattr(est, name)
        if not callable(method) or isinstance(method, type):
            continue
        try:
            params = list(inspect.signature(method).parameters)
        except (TypeError, ValueError):
            continue
        if params == ["X"]:
            names.append(name)
    assert "predict" in names
    return names


def _data(kind, seed=0, n=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if kind == "clf":
        y = np.array(["ant", "bee", "cat"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    else:
        y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] ** 2])
    return X, y


def _fitted(kind, solver, how):
    """A model after ``fit``, ``partial_fit`` or a warm-start refit."""
    cls = FFNClassifier if kind == "clf" else FFNRegressor
    X, y = _data(kind)
    est = cls(
        hidden_layer_sizes=(5, 3),
        activation=["tanh", "softplus"],
        solver=solver,
        max_iter=4,
        batch_size=16,
        random_state=0,
        warm_start=how == "warm_start",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if how == "partial_fit":
            extra = {"classes": np.unique(y)} if kind == "clf" else {}
            est.partial_fit(X, y, **extra)
            est.partial_fit(X[::-1], y[::-1])
        else:
            est.fit(X, y)
            if how == "warm_start":
                est.fit(X[::-1], y[::-1])
    return est


CASES = [
    (kind, solver, how)
    for kind in ("clf", "reg")
    for solver in SOLVERS
    for how in ("fit", "partial_fit", "warm_start")
    if not (solver == "lbfgs" and how == "partial_fit")
]


def _ids(case):
    return "-".join(case)


def _expected_types(est):
    return [f"{type(est).__module__}.{type(est).__name__}"]


def _skops_round_trip(est):
    data = sio.dumps(est)
    return sio.loads(data, trusted=_expected_types(est))


# --------------------------------------------------------------------------
# skops
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_skops_untrusted_types_are_only_the_estimator_class(case):
    est = _fitted(*case)
    untrusted = sio.get_untrusted_types(data=sio.dumps(est))
    assert untrusted == _expected_types(est), (
        "the fitted state holds types a user would have to trust; attributes "
        f"that are neither arrays, builtins nor scikit-learn objects: "
        f"{_suspect_attributes(est)}"
    )


def _suspect_attributes(est):
    """Names of fitted attributes that skops cannot load without trusting them."""
    suspects = []
    for key, value in vars(est).items():
        probe = FFNRegressor()
        probe.__dict__[key] = value
        if len(sio.get_untrusted_types(data=sio.dumps(probe))) > 1:
            suspects.append(f"{key} ({type(value).__name__})")
    return suspects


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_skops_round_trip_reproduces_every_prediction_bit_for_bit(case):
    est = _fitted(*case)
    loaded = _skops_round_trip(est)
    X, _ = _data(case[0], seed=1)
    X = np.vstack([X, 50 * X])  # far-out rows too: saturated outputs
    for name in _prediction_methods(est):
        got, want = getattr(loaded, name)(X), getattr(est, name)(X)
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)


def _continue(est, kind):
    X, y = _data(kind, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if est.solver == "lbfgs":
            est.set_params(warm_start=True).fit(X, y)
        else:
            est.partial_fit(X, y)
    return [*est.coefs_, *est.intercepts_]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_training_continues_after_skops_exactly_as_after_pickle(case):
    est = _fitted(*case)
    after_skops = _continue(_skops_round_trip(est), case[0])
    after_pickle = _continue(pickle.loads(pickle.dumps(est)), case[0])
    in_memory = _continue(est, case[0])
    for a, b, c in zip(after_skops, after_pickle, in_memory):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        assert a.dtype == b.dtype


def test_skops_load_is_silent_for_the_same_version(recwarn):
    est = _fitted("clf", "adam", "partial_fit")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _skops_round_trip(est)


def test_skops_file_from_another_version_warns(monkeypatch):
    est = _fitted("reg", "lbfgs", "fit")
    monkeypatch.setattr(skffnn, "__version__", "0.0.1")
    data = sio.dumps(est)
    monkeypatch.undo()
    with pytest.warns(SkffnnVersionWarning, match=r"0\.0\.1.*" + _current()):
        sio.loads(data, trusted=_expected_types(est))


# --------------------------------------------------------------------------
# the version stamp
# --------------------------------------------------------------------------


def _current():
    return re.escape(skffnn.__version__)


def _old_pickle(est, monkeypatch, version="0.0.1"):
    monkeypatch.setattr(skffnn, "__version__", version)
    data = pickle.dumps(est)
    monkeypatch.undo()
    return data


@pytest.mark.parametrize("cls", [FFNClassifier, FFNRegressor])
def test_pickle_from_another_version_warns_naming_both(cls, monkeypatch):
    est = _fitted("clf" if cls is FFNClassifier else "reg", "lbfgs", "fit")
    data = _old_pickle(est, monkeypatch)
    with pytest.warns(SkffnnVersionWarning) as record:
        loaded = pickle.loads(data)
    (w,) = [r.message for r in record if r.category is SkffnnVersionWarning]
    assert isinstance(w, UserWarning)
    assert (w.estimator_name, w.original_version, w.current_version) == (
        cls.__name__,
        "0.0.1",
        skffnn.__version__,
    )
    assert "0.0.1" in str(w) and skffnn.__version__ in str(w)
    assert cls.__name__ in str(w)
    # It still loads, and the stamp does not become an attribute.
    assert "_skffnn_version" not in vars(loaded)
    np.testing.assert_array_equal(loaded.coefs_[0], est.coefs_[0])


def test_same_version_pickle_and_joblib_are_silent(tmp_path):
    est = _fitted("clf", "adam", "warm_start")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(est))
        joblib.dump(est, tmp_path / "m.joblib")
        joblib.load(tmp_path / "m.joblib")
        buffer = io.BytesIO()
        joblib.dump(est, buffer, compress=3)
        buffer.seek(0)
        joblib.load(buffer)
        copy.deepcopy(est)


def test_joblib_file_records_the_version(tmp_path, monkeypatch):
    est = _fitted("reg", "sgd", "fit")
    monkeypatch.setattr(skffnn, "__version__", "9.9.9")
    joblib.dump(est, tmp_path / "m.joblib")
    monkeypatch.undo()
    with pytest.warns(SkffnnVersionWarning, match=r"9\.9\.9"):
        joblib.load(tmp_path / "m.joblib")


def test_state_is_the_instance_dict_plus_the_stamp():
    est = _fitted("clf", "lbfgs", "fit")
    state = est.__getstate__()
    assert state.pop("_skffnn_version") == skffnn.__version__
    assert state.keys() == vars(est).keys()
    assert "_sklearn_version" not in state  # scikit-learn stamps only its own


def test_state_without_a_stamp_warns_as_unknown():
    est = _fitted("reg", "lbfgs", "fit")
    state = est.__getstate__()
    del state["_skffnn_version"]  # what a pickle from before the stamp holds
    fresh = FFNRegressor.__new__(FFNRegressor)
    with pytest.warns(SkffnnVersionWarning, match="unknown"):
        fresh.__setstate__(state)
    np.testing.assert_array_equal(
        fresh.predict(_data("reg")[0]), est.predict(_data("reg")[0])
    )


def test_clone_and_scikit_learn_pickle_checks_still_pass():
    est = _fitted("clf", "adam", "partial_fit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkffnnVersionWarning)
        twin = clone(est)
        assert twin.get_params() == est.get_params()
        assert not hasattr(twin, "coefs_")
        for cls in (FFNClassifier, FFNRegressor):
            check_estimators_pickle(cls.__name__, cls(max_iter=5))
            check_estimators_pickle(cls.__name__, cls(max_iter=5), readonly_memmap=True)


def test_version_warning_is_exported_and_a_user_warning():
    assert "SkffnnVersionWarning" in skffnn.__all__
    assert issubclass(SkffnnVersionWarning, UserWarning)
