"""ONNX export of the Tabular estimators against onnxruntime (issue 21)."""

import numpy as np
import pytest
from _extras import require_extra
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ort = require_extra("onnxruntime", "onnx")
require_extra("skl2onnx", "onnx")

# The graphs run the periodic embedding's Cos in double: onnxruntime has no
# double Cos kernel before 1.29, and 1.29 to 1.31 reproduce the estimator only
# to about 1e-8 (measured in CI's oldest environment; the op responsible is not
# yet found). These parity tests need the release that meets 1e-12.
ORT_FOR_TABULAR = (1, 32)
if tuple(int(p) for p in ort.__version__.split(".")[:2]) < ORT_FOR_TABULAR:
    pytest.skip(
        "needs onnxruntime >= 1.32 (double Cos and 1e-12 parity for the "
        f"Tabular graphs); the installed onnxruntime is {ort.__version__}",
        allow_module_level=True,
    )

from skffnn import TabularFFNClassifier, TabularFFNRegressor  # noqa: E402
from skffnn.onnx import to_onnx  # noqa: E402

VARIANTS = [
    {},
    {"embedding": "pbld", "n_ensemble": 3, "parametric_activation": True},
    {"activation": "mish", "preprocessing": "robust"},
    {"activation": "relu", "preprocessing": None, "n_ensemble": 2},
    {"activation": "tanh"},
]


def _run(onx, X):
    session = ort.InferenceSession(onx.SerializeToString())
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("params", VARIANTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_classifier_export_matches_predict_proba(params, dtype):
    X, y = load_iris(return_X_y=True)
    y = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = TabularFFNClassifier((16, 8), max_iter=10, random_state=0, **params)
    clf.fit(X, y)
    Xd = X.astype(dtype)
    label, proba = _run(to_onnx(clf, Xd[:1], options={"zipmap": False}), Xd)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(proba, clf.predict_proba(Xd), rtol=0, atol=tol)
    np.testing.assert_array_equal(label, clf.predict(Xd))


@pytest.mark.parametrize("params", VARIANTS)
def test_regressor_export_matches_predict_with_standardising_and_clipping(params):
    X, y = load_diabetes(return_X_y=True)
    reg = TabularFFNRegressor((16,), max_iter=10, random_state=0, **params).fit(X, y)
    X_far = np.vstack([X, X * 40])  # clipped to the training range
    (pred,) = _run(to_onnx(reg, X[:1]), X_far)
    np.testing.assert_allclose(pred.ravel(), reg.predict(X_far), rtol=1e-12, atol=1e-9)


def test_multioutput_regressor_and_pipeline_export():
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, -y])
    pipe = make_pipeline(
        StandardScaler(), TabularFFNRegressor((8,), max_iter=5, random_state=0)
    )
    pipe.fit(X, Y)
    (pred,) = _run(to_onnx(pipe, X[:1]), X)
    np.testing.assert_allclose(pred, pipe.predict(X), rtol=1e-12, atol=1e-9)


def test_unfitted_model_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(TabularFFNClassifier(), np.zeros((1, 3)))


def test_double_input_with_zipmap_is_refused_with_the_fix():
    X, y = load_iris(return_X_y=True)
    clf = TabularFFNClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="zipmap"):
        to_onnx(clf, X[:1])


def test_classifier_export_with_two_valued_columns_outside_the_embedding():
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    # An indicator, a constant, then the four measurements: the network takes
    # the measurements first (embedded), then the indicator and the constant.
    X = np.column_stack([rng.integers(0, 2, len(X)), np.full(len(X), 3.0), X])
    clf = TabularFFNClassifier((16, 8), max_iter=10, random_state=0).fit(X, y)
    assert clf.net_.columns == (2, 3, 4, 5, 0, 1) and clf.net_.n_embedded == 4
    label, proba = _run(to_onnx(clf, X[:1], options={"zipmap": False}), X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(label, clf.predict(X))
