"""Array API dispatch: torch and array-api-strict fits against the NumPy fit.

The oracle is the NumPy fit with the same ``random_state`` (the host draws the
same weights, shuffles and split for every backend): float64 agrees to 1e-9
relative, float32 within its rounding. Gradients are checked by central
differences on torch; pickle, skops and ONNX take a torch-fitted model.
"""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from _extras import require_extra
from sklearn.datasets import make_classification, make_regression

from skffnn import FFNClassifier, FFNRegressor
from skffnn._namespace import NUMPY, namespace_of
from skffnn._sklearn import ARRAY_API_SUPPORTED

if not ARRAY_API_SUPPORTED:
    pytest.skip(
        "needs scikit-learn >= 1.9 (its array API contract: classes_ in y's "
        f"namespace); the installed scikit-learn is {sklearn.__version__}",
        allow_module_level=True,
    )
torch = require_extra("torch", "array-api")
xps = require_extra("array_api_strict", "array-api")

pytestmark = [
    pytest.mark.usefixtures("single_threaded_blas"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

SOLVERS = ("sgd", "adam", "lbfgs")
# float64: the same operations in another order; float32: its rounding,
# amplified by the iterations (L-BFGS's line search amplifies the most).
RTOL = {np.float64: 1e-9, np.float32: 2e-3}


@pytest.fixture(autouse=True)
def _dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _data(kind, dtype):
    if kind == "multiclass":
        X, y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    elif kind == "binary":
        X, y = make_classification(120, 6, random_state=1)
    elif kind == "multilabel":
        X, _ = make_classification(120, 6, random_state=2)
        y = (X[:, :3] > 0).astype(int)
    elif kind == "poisson":
        X, _ = make_regression(120, 6, random_state=3)
        X /= 4
        y = np.random.RandomState(0).poisson(np.exp(X[:, 0] / 2))
    else:
        X, y = make_regression(120, 6, n_targets=2, random_state=4)
        y /= 100
    return X.astype(dtype), y


def _estimator(kind, solver, **params):
    params = {"hidden_layer_sizes": (7, 5), "random_state": 0, "max_iter": 8,
              "solver": solver, **params}  # fmt: skip
    if kind in ("multiclass", "binary", "multilabel"):
        return FFNClassifier(**params)
    if kind == "poisson":
        return FFNRegressor(loss="poisson", **params)
    return FFNRegressor(**params)


def _to_numpy(a):
    return a.numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def _assert_close(got, want, dtype):
    rtol = RTOL[dtype]
    atol = rtol * max(float(np.max(np.abs(want))), 1.0)
    np.testing.assert_allclose(_to_numpy(got), want, rtol=rtol, atol=atol)


def _fit_both(kind, solver, dtype, **params):
    X, y = _data(kind, dtype)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator(kind, solver, **params).fit(X, y)
    est = _estimator(kind, solver, **params).fit(torch.asarray(X), torch.asarray(y))
    return ref, est, X, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "kind", ["multiclass", "binary", "multilabel", "regression", "poisson"]
)
def test_torch_fit_matches_the_numpy_fit(kind, solver, dtype):
    ref, est, X, y = _fit_both(kind, solver, dtype)
    for got, want in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert isinstance(got, torch.Tensor)
        assert got.dtype == getattr(torch, np.dtype(dtype).name)
        _assert_close(got, want, dtype)
    assert est.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=RTOL[dtype])
    Xt = torch.asarray(X)
    if kind in ("multiclass", "binary", "multilabel"):
        for method in ("predict_proba", "predict_log_proba", "exact_log_proba"):
            _assert_close(getattr(est, method)(Xt), getattr(ref, method)(X), dtype)
        _assert_close(est.logits(Xt), ref.logits(X), dtype)
    np.testing.assert_array_equal(_to_numpy(est.predict(Xt)), ref.predict(X)) if (
        kind != "regression" and kind != "poisson" and dtype == np.float64
    ) else _assert_close(est.predict(Xt), ref.predict(X), dtype)
    score = est.score(Xt, torch.asarray(y))
    assert isinstance(score, float)
    assert score == pytest.approx(ref.score(X, y), rel=1e-4, abs=1e-4)


@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True, "max_iter": 12},
        {"class_weight": "balanced"},
        {"learning_rate": "invscaling", "nesterovs_momentum": False},
        {"alpha": 0.5},
    ],
    ids=["early_stopping", "class_weight", "invscaling", "alpha"],
)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_options_match_the_numpy_fit(solver, params):
    ref, est, _, _ = _fit_both("multiclass", solver, np.float64, **params)
    for got, want in zip(est.coefs_, ref.coefs_):
        _assert_close(got, want, np.float64)
    if params.get("early_stopping"):
        assert est.validation_scores_ == ref.validation_scores_


def test_sample_weight_from_another_namespace_moves_to_x():
    X, y = _data("multiclass", np.float64)
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "adam").fit(X, y, sample_weight=sw)
    est = _estimator("multiclass", "adam").fit(
        xps.asarray(X), torch.asarray(y), sample_weight=torch.asarray(sw)
    )
    assert namespace_of(est.coefs_[0]).name == "array_api_strict"
    for got, want in zip(est.coefs_, ref.coefs_):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("device", ["CPU_DEVICE", "device1"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_array_api_strict_fit_stays_on_its_device(solver, device):
    X, y = _data("multiclass", np.float64)
    dev = xps.Device(device)
    Xs = xps.asarray(X, device=dev)
    est = _estimator("multiclass", solver).fit(Xs, xps.asarray(y, device=dev))
    assert all(c.device == dev for c in est.coefs_ + est.intercepts_)
    assert est.predict_proba(Xs).device == dev
    assert est.predict(Xs).device == dev


def test_warm_start_and_partial_fit_continue_on_torch():
    X, y = _data("multiclass", np.float64)
    Xt, yt = torch.asarray(X), torch.asarray(y)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "adam", warm_start=True).fit(X, y)
        ref.fit(X, y)
        ref.partial_fit(X, y)
    est = _estimator("multiclass", "adam", warm_start=True).fit(Xt, yt)
    est.fit(Xt, yt)
    est.partial_fit(Xt, yt)
    assert isinstance(est._optimizer_state["vectors"][0], torch.Tensor)
    for got, want in zip(est.coefs_, ref.coefs_):
        _assert_close(got, want, np.float64)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "exact_log_proba"]
)
def test_x_from_another_namespace_raises_naming_the_method(method):
    X, y = _data("binary", np.float64)
    est = _estimator("binary", "adam").fit(torch.asarray(X), y)
    with pytest.raises(ValueError, match=rf"FFNClassifier\.{method}\(\).*torch.*numpy"):
        getattr(est, method)(X)
    with pytest.raises(ValueError, match="array_api_strict"):
        getattr(est, method)(xps.asarray(X))


def test_partial_fit_on_another_namespace_raises():
    X, y = _data("binary", np.float64)
    est = _estimator("binary", "adam").fit(torch.asarray(X), y)
    with pytest.raises(ValueError, match=r"partial_fit\(\)"):
        est.partial_fit(X, y)
    assert isinstance(est.coefs_[0], torch.Tensor)  # left as it was


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "softplus"])
@pytest.mark.parametrize(
    "loss", ["squared_error", "poisson", "binary_log_loss", "log_loss"]
)
def test_torch_gradient_matches_central_differences(activation, loss):
    ns = namespace_of(torch.zeros(1, dtype=torch.float64))
    net = ns.network([4, 5, 3], activation, loss, dtype=torch.float64)
    rng = np.random.RandomState(0)
    X = torch.asarray(rng.normal(size=(9, 4)))
    if loss == "log_loss":
        Y = np.eye(3)[rng.randint(3, size=9)]
    elif loss == "binary_log_loss":
        Y = rng.randint(2, size=(9, 3)).astype(float)
    else:
        Y = rng.poisson(1.0, size=(9, 3)).astype(float)
    Y, sw = torch.asarray(Y), torch.asarray(rng.uniform(0.5, 2, 9))
    theta = net.init_params(0)
    _, grad = net.loss_and_gradient(theta, X, Y, sw, alpha=0.3)
    h = 1e-6
    numeric = []
    for i in range(net.n_params):
        e = torch.zeros_like(theta)
        e[i] = h
        up = float(net.loss_and_gradient(theta + e, X, Y, sw, alpha=0.3)[0])
        down = float(net.loss_and_gradient(theta - e, X, Y, sw, alpha=0.3)[0])
        numeric.append((up - down) / (2 * h))
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-9)
    # The NumPy network computes the same gradient.
    np_net = NUMPY.network([4, 5, 3], activation, loss, dtype=np.float64)
    _, np_grad = np_net.loss_and_gradient(
        theta.numpy(), X.numpy(), Y.numpy(), sw.numpy(), alpha=0.3
    )
    np.testing.assert_allclose(grad.numpy(), np_grad, rtol=1e-12, atol=1e-15)


def test_torch_fitted_model_pickles_and_predicts_the_same():
    X, y = _data("multiclass", np.float32)
    est = _estimator("multiclass", "adam").fit(torch.asarray(X), y)
    loaded = pickle.loads(pickle.dumps(est))
    assert isinstance(loaded.coefs_[0], torch.Tensor)
    Xt = torch.asarray(X)
    assert torch.equal(loaded.predict_proba(Xt), est.predict_proba(Xt))


def test_torch_fitted_model_exports_to_onnx():
    require_extra("onnxruntime", "onnx")
    import onnxruntime as ort

    from skffnn.onnx import to_onnx

    X, y = _data("multiclass", np.float32)
    est = _estimator("multiclass", "adam").fit(torch.asarray(X), y)
    onx = to_onnx(est, X[:1], options={"zipmap": False})
    sess = ort.InferenceSession(onx.SerializeToString())
    labels, proba = sess.run(None, {sess.get_inputs()[0].name: X})
    np.testing.assert_allclose(proba, est.predict_proba(torch.asarray(X)).numpy(),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    np.testing.assert_array_equal(labels, est.predict(torch.asarray(X)).numpy())


def test_torch_fitted_model_saves_with_skops_through_to_numpy():
    sio = require_extra("skops.io", "skops")
    from skffnn.utils import to_numpy

    X, y = _data("multiclass", np.float64)
    est = _estimator("multiclass", "adam").fit(torch.asarray(X), y)
    host = to_numpy(est)
    assert isinstance(est.coefs_[0], torch.Tensor)  # the original is unchanged
    data = sio.dumps(host)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    for got, want in zip(
        loaded.coefs_ + loaded.intercepts_, est.coefs_ + est.intercepts_
    ):
        np.testing.assert_array_equal(got, want.numpy())
    want = est.predict_proba(torch.asarray(X)).numpy()
    with sklearn.config_context(array_api_dispatch=False):
        np.testing.assert_allclose(loaded.predict_proba(X), want, rtol=1e-12)


def test_numpy_input_under_dispatch_computes_in_numpy():
    X, y = _data("binary", np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = _estimator("binary", "lbfgs").fit(X, y)
    assert type(est.coefs_[0]) is np.ndarray
    assert type(est.predict_proba(X)) is np.ndarray


def test_array_api_dispatch_before_sklearn_1_9_says_which_version_it_needs(
    monkeypatch,
):
    """Where the installed scikit-learn lacks 1.9's contract, a torch X is refused."""
    import skffnn._namespace as ns

    monkeypatch.setattr(ns, "ARRAY_API_SUPPORTED", False)
    X = torch.asarray(np.ones((4, 2)))
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ImportError, match=r"needs scikit-learn >= 1\.9"):
            namespace_of(X)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_scoring_monitor_on_a_torch_fit_scores_as_on_the_numpy_fit(solver):
    """Callbacks see the caller's arrays: a monitor's scores equal the NumPy fit's."""
    from sklearn.callback import ScoringMonitor

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    logs = {}
    for name, (Xf, yf) in {
        "numpy": (X, y),
        "torch": (torch.asarray(X), torch.asarray(y)),
    }.items():
        monitor = ScoringMonitor(scoring="accuracy")
        est = FFNClassifier((8,), solver=solver, max_iter=5, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with sklearn.config_context(array_api_dispatch=True):
                est.set_callbacks(monitor).fit(Xf, yf)
        logs[name] = [row["accuracy"] for row in monitor.get_logs().data]
    assert len(logs["torch"]) == len(logs["numpy"]) > 1
    # (scikit-learn's accuracy_score averages in torch's float32 under dispatch)
    np.testing.assert_allclose(logs["torch"], logs["numpy"], rtol=1e-6)
