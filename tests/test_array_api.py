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
from _extras import require_array_api, require_extra
from sklearn.datasets import make_classification, make_regression

from skffnn import FFNClassifier, FFNRegressor
from skffnn._namespace import NUMPY, namespace_of

torch, xps = require_array_api()

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


# -- sparse and dask input under dispatch -----------------------------------------
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "exact_log_proba",
                   "logits")  # fmt: skip


def _methods(est):
    return PREDICT_METHODS if hasattr(est, "predict_proba") else ("predict",)


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_sparse_x_with_numpy_y_computes_in_numpy_as_without_dispatch(kind):
    """As scikit-learn's LogisticRegression and Ridge: sparse X is a NumPy input."""
    sp = pytest.importorskip("scipy.sparse")
    X, y = _data(kind, np.float64)
    Xs = sp.csr_matrix(X)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator(kind, "adam").fit(Xs, y).partial_fit(Xs, y)
    est = _estimator(kind, "adam").fit(Xs, y).partial_fit(Xs, y)
    for got, want in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, want)
    for method in _methods(est):
        got = getattr(est, method)(Xs)
        assert type(got) is np.ndarray
        with sklearn.config_context(array_api_dispatch=False):
            np.testing.assert_array_equal(got, getattr(ref, method)(Xs))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("which", ["y", "sample_weight"])
def test_sparse_x_with_torch_y_or_weights_under_dispatch_raises(method, which):
    """Sparse X computes in NumPy only: a torch y would silently get a NumPy model."""
    sp = pytest.importorskip("scipy.sparse")
    X, y = _data("binary", np.float64)
    sw = np.ones(len(y))
    args = {"y": y, "sample_weight": sw}
    args[which] = torch.asarray(args[which])
    if method == "partial_fit":
        args["classes"] = [0, 1]
    est = _estimator("binary", "adam")
    with pytest.raises(
        TypeError,
        match=rf"FFNClassifier\.{method}\(\) got X as a scipy sparse matrix and "
        rf"{which} as a torch on device cpu array, with array API dispatch on",
    ):
        getattr(est, method)(sp.csr_matrix(X), **args)
    assert not hasattr(est, "coefs_")


def _dask_input(X):
    da = require_extra("dask.array", "dask")
    return da.from_array(X, chunks=(40, X.shape[1]))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("which", ["X", "y", "sample_weight"])
def test_dask_input_to_fit_under_dispatch_raises(method, which):
    X, y = _data("binary", np.float64)
    est = _estimator("binary", "adam").fit(X, y)
    before = [c.copy() for c in est.coefs_]
    args = {"X": X, "y": y, "sample_weight": np.ones(len(y))}
    da = require_extra("dask.array", "dask")
    args[which] = da.from_array(args[which], chunks=40)
    with pytest.raises(
        TypeError,
        match=rf"FFNClassifier\.{method}\(\) got {which} as a dask array with "
        r"array API dispatch on .*array_api_dispatch=False",
    ):
        getattr(est, method)(args["X"], args["y"], sample_weight=args["sample_weight"])
    for got, want in zip(est.coefs_, before):  # left as it was
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_dask_x_to_predict_under_dispatch_raises_in_every_method(kind):
    X, y = _data(kind, np.float64)
    est = _estimator(kind, "adam").fit(X, y)
    Xd = _dask_input(X)
    name = type(est).__name__
    for method in (*_methods(est), "score"):
        args = (Xd, y) if method == "score" else (Xd,)
        called = "predict" if method == "score" else method
        with pytest.raises(
            TypeError,
            match=rf"{name}\.{called}\(\) got X as a dask array with array API",
        ):
            getattr(est, method)(*args)
    with sklearn.config_context(array_api_dispatch=False):  # the way out it names
        np.testing.assert_array_equal(est.predict(Xd).compute(), est.predict(X))


@pytest.mark.parametrize("dispatch", [True, False])
def test_torch_fitted_model_given_sparse_x_raises_naming_it(dispatch):
    sp = pytest.importorskip("scipy.sparse")
    X, y = _data("binary", np.float64)
    est = _estimator("binary", "adam").fit(torch.asarray(X), torch.asarray(y))
    Xs = sp.csr_matrix(X)
    with sklearn.config_context(array_api_dispatch=dispatch):
        for method in (*PREDICT_METHODS, "score"):
            args = (Xs, y) if method == "score" else (Xs,)
            called = "predict" if method == "score" else method
            with pytest.raises(
                ValueError,
                match=rf"FFNClassifier\.{called}\(\) must use the same namespace.*"
                r"fitted in torch on device cpu, X is a scipy sparse matrix, which "
                r"computes in NumPy only.*to_numpy",
            ):
                getattr(est, method)(*args)
        with pytest.raises(ValueError, match=r"partial_fit\(\).*scipy sparse matrix"):
            est.partial_fit(Xs, y)
    assert isinstance(est.coefs_[0], torch.Tensor)


def test_torch_fitted_model_given_dask_x_raises_in_every_method():
    X, y = _data("binary", np.float64)
    est = _estimator("binary", "adam").fit(torch.asarray(X), torch.asarray(y))
    Xd = _dask_input(X)
    for method in PREDICT_METHODS:
        with pytest.raises(TypeError, match=rf"{method}\(\) got X as a dask array"):
            getattr(est, method)(Xd)
        with sklearn.config_context(array_api_dispatch=False):
            with pytest.raises(
                ValueError,
                match=rf"{method}\(\) must use the same namespace.*torch on device "
                r"cpu, X is a dask array, which computes in NumPy only",
            ):
                getattr(est, method)(Xd)
    with sklearn.config_context(array_api_dispatch=False):
        with pytest.raises(ValueError, match=r"partial_fit\(\).*X is a dask array"):
            est.partial_fit(Xd, y)
    assert isinstance(est.coefs_[0], torch.Tensor)


# -- what a fit does on the device --------------------------------------------------
def test_fit_validates_x_in_its_namespace_without_a_host_copy(monkeypatch):
    """X is validated where it lives; only the (small) targets visit the host."""
    import skffnn._namespace as namespace

    X, y = _data("multiclass", np.float64)
    moved = []
    convert = namespace._convert_to_numpy

    def watched(a, xp):
        moved.append(tuple(a.shape))
        return convert(a, xp)

    monkeypatch.setattr(namespace, "_convert_to_numpy", watched)
    Xs = xps.asarray(X, device=xps.Device("device1"))
    _estimator("multiclass", "adam").fit(
        Xs, xps.asarray(y, device=xps.Device("device1"))
    )
    assert X.shape not in moved
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Xnan = np.array(X)
        Xnan[3, 2] = np.nan
        _estimator("multiclass", "adam").fit(torch.asarray(Xnan), y)


def test_integer_torch_x_trains_in_float64_as_numpy_does():
    X, y = _data("multiclass", np.float64)
    Xi = np.round(X * 10).astype(np.int64)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "adam").fit(Xi, y)
    est = _estimator("multiclass", "adam").fit(torch.asarray(Xi), y)
    assert est.coefs_[0].dtype == torch.float64
    _assert_close(est.coefs_[0], ref.coefs_[0], np.float64)


def test_device_without_float64_trains_in_float32(monkeypatch):
    """As on torch's MPS: float64 data becomes float32 there (scikit-learn's
    move_to), integer X too, and float class labels come back as float32."""
    from skffnn._namespace import ArrayNamespace

    monkeypatch.setattr(ArrayNamespace, "has_float64", False)
    X, y = _data("multiclass", np.float64)
    labels = y.astype(np.float64)
    est = _estimator("multiclass", "lbfgs").fit(torch.asarray(X), labels)
    assert all(c.dtype == torch.float32 for c in est.coefs_ + est.intercepts_)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "lbfgs").fit(X.astype(np.float32), labels)
    _assert_close(est.coefs_[0], ref.coefs_[0], np.float32)
    Xq = torch.asarray(X.astype(np.float32))
    assert est.predict(Xq).dtype == torch.float32
    assert isinstance(est.score(Xq, labels), float)
    est = _estimator("multiclass", "adam").fit(
        torch.asarray(np.round(X).astype(int)), y
    )
    assert est.coefs_[0].dtype == torch.float32


@pytest.mark.parametrize("batches_per_gather", [1, 3, None])
@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_of_zero_weight_are_skipped_as_on_numpy(
    shuffle, batches_per_gather, monkeypatch
):
    """ArrayData leaves zero-weight batches out on the host; NumPy's step skips
    them. The rows are gathered a chunk of batches at a time (one chunk: None)."""
    import skffnn._data

    if batches_per_gather is not None:  # 6 features of 8 bytes, batches of 20
        monkeypatch.setattr(skffnn._data, "_GATHER_BYTES", 48 * 20 * batches_per_gather)
    X, y = _data("multiclass", np.float64)
    sw = np.ones(len(y))
    sw[:40] = 0  # two whole batches of 20 without shuffling
    params = {"batch_size": 20, "shuffle": shuffle}
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "sgd", **params).fit(X, y, sample_weight=sw)
    est = _estimator("multiclass", "sgd", **params).fit(
        torch.asarray(X), y, sample_weight=torch.asarray(sw)
    )
    for got, want in zip(est.coefs_, ref.coefs_):
        _assert_close(got, want, np.float64)
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)


def test_single_class_torch_model_answers_in_torch():
    """One class fits (as on NumPy); its probabilities stay in X's namespace."""
    X, _ = _data("binary", np.float64)
    y = np.zeros(len(X), dtype=int)
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("binary", "adam").fit(X, y)
    est = _estimator("binary", "adam").fit(torch.asarray(X), torch.asarray(y))
    Xt = torch.asarray(X)
    for method in ("predict", "predict_proba", "predict_log_proba", "exact_log_proba"):
        got = getattr(est, method)(Xt)
        assert isinstance(got, torch.Tensor), method
        np.testing.assert_array_equal(got.numpy(), getattr(ref, method)(X))


@pytest.mark.parametrize("fit_dtype", [np.float64, np.float32])
def test_x_of_another_float_dtype_predicts_in_the_wider_one_as_numpy(fit_dtype):
    """NumPy computes a float32 model on float64 X in float64: so does torch."""
    X, y = _data("multiclass", fit_dtype)
    other = np.float32 if fit_dtype == np.float64 else np.float64
    with sklearn.config_context(array_api_dispatch=False):
        ref = _estimator("multiclass", "adam").fit(X, y)
        want = ref.predict_proba(X.astype(other))
    est = _estimator("multiclass", "adam").fit(torch.asarray(X), y)
    got = est.predict_proba(torch.asarray(X.astype(other)))
    assert got.dtype == torch.float64
    _assert_close(got, want, np.float32)
