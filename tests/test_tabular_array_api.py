"""Array API dispatch for the Tabular estimators: torch and array-api-strict fits
against the NumPy fit (issue 23).

The oracle is the NumPy fit with the same ``random_state``: the host draws the
same initial parameters, split, shuffles and dropout masks for every backend,
so float64 agrees to 1e-9 relative and float32 within its rounding. The
network's gradient on torch is checked by central differences; pickle, skops
and ONNX take a torch-fitted model.
"""

import pickle

import numpy as np
import pytest
import sklearn
from _extras import require_array_api, require_extra
from sklearn.datasets import make_classification, make_regression

from skffnn import TabularFFNClassifier, TabularFFNRegressor
from skffnn._namespace import to_host
from skffnn._tabular._net import TabularNet

torch, xps = require_array_api()

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

SMALL = {"hidden_layer_sizes": (16, 16), "max_iter": 6, "random_state": 0}
# Every ingredient that draws or computes differently: the members, dropout
# masks, the parametric activation, weight decay, the embedding.
RICH = {
    "n_ensemble": 3,
    "dropout": 0.2,
    "parametric_activation": True,
    "weight_decay": 0.01,
    "label_smoothing": 0.1,
}
RICH_REG = {"n_ensemble": 2, "dropout": 0.1, "activation": "relu", "embedding": None}


@pytest.fixture(autouse=True)
def _dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _data(kind):
    if kind == "clf":
        X, y = make_classification(150, 6, n_informative=4, n_classes=3, random_state=0)
        return X, y, TabularFFNClassifier
    X, y = make_regression(150, 6, n_targets=2, noise=1.0, random_state=0)
    return X, y, TabularFFNRegressor


def _output(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def _torch_device(name):
    if name == "cuda" and not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device on this machine")
    return torch.device(name)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("variant", ["defaults", "rich"])
@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_torch_fit_matches_the_numpy_fit(kind, variant, dtype, device):
    device = _torch_device(device)
    X, y, Est = _data(kind)
    params = {**SMALL, "dtype": dtype}
    if variant == "rich":
        params.update(RICH if kind == "clf" else RICH_REG)
    with sklearn.config_context(array_api_dispatch=False):
        ref = Est(**params).fit(X, y)
        want = _output(ref, X)
    Xt = torch.asarray(X, device=device)
    est = Est(**params).fit(Xt, torch.asarray(y, device=device))
    assert isinstance(est.params_, torch.Tensor)
    assert est.params_.dtype == getattr(torch, dtype)
    assert est.params_.device.type == device.type
    got = _output(est, Xt)
    assert got.device.type == device.type and got.dtype == torch.float64
    got = got.cpu()
    assert est.best_epoch_ == ref.best_epoch_
    if dtype == "float64":
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(est.params_.cpu().numpy(), ref.params_, rtol=1e-9,
                                   atol=1e-10)  # fmt: skip
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)
    else:
        # float32's rounding (6e-8), amplified by the Adam steps (measured:
        # 6e-4 of a probability at most, 2e-5 of the loss).
        scale = max(float(np.abs(want).max()), 1.0)
        np.testing.assert_allclose(got.numpy(), want, rtol=2e-3, atol=2e-3 * scale)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=2e-4)
    if kind == "clf":
        np.testing.assert_array_equal(est.predict(Xt).cpu().numpy(), ref.predict(X))
        assert est.score(Xt, y) == pytest.approx(ref.score(X, y))


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_y_and_sample_weight_from_another_namespace_move_to_x(kind):
    X, y, Est = _data(kind)
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    Xt = torch.asarray(X)
    a = Est(**SMALL).fit(Xt, torch.asarray(y), sample_weight=torch.asarray(sw))
    b = Est(**SMALL).fit(Xt, y, sample_weight=xps.asarray(sw))
    assert torch.equal(a.params_, b.params_)
    assert isinstance(b.params_, torch.Tensor)


@pytest.mark.parametrize("device", ["CPU_DEVICE", "device1"])
@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_array_api_strict_fit_stays_on_its_device(kind, device):
    X, y, Est = _data(kind)
    dev = xps.Device(device)
    Xs = xps.asarray(X, device=dev)
    est = Est(**SMALL).fit(Xs, xps.asarray(y, device=dev))
    assert est.params_.device == dev
    out = _output(est, Xs)
    assert out.device == dev
    with sklearn.config_context(array_api_dispatch=False):
        ref = Est(**SMALL).fit(X, y)
    np.testing.assert_allclose(to_host(out), _output(ref, X), rtol=1e-2, atol=1e-2)
    if kind == "reg":
        for name in ("y_mean_", "y_scale_", "y_min_", "y_max_"):
            assert getattr(est, name).device == dev


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_x_from_another_namespace_raises_naming_the_method(method):
    X, y, Est = _data("clf")
    est = Est(**SMALL).fit(torch.asarray(X), y)
    with pytest.raises(
        ValueError, match=rf"TabularFFNClassifier\.{method}\(\).*torch.*numpy"
    ):
        getattr(est, method)(X)
    with pytest.raises(ValueError, match="array_api_strict"):
        getattr(est, method)(xps.asarray(X))


def test_score_on_another_namespace_raises_naming_score():
    X, y, Est = _data("reg")
    est = Est(**SMALL).fit(torch.asarray(X), y)
    with pytest.raises(ValueError, match=r"TabularFFNRegressor\.score\(\)"):
        est.score(X, y)


@pytest.mark.parametrize("parametric", [False, True])
@pytest.mark.parametrize("activation", ["selu", "mish", "relu", "tanh"])
def test_torch_network_gradient_matches_central_differences(activation, parametric):
    """Every gate of the network at once, on torch, against finite differences
    and against the NumPy backward."""
    net = TabularNet(3, 2, (5, 4), activation, 2, "pbld", 3, 2, parametric, np.float64)
    rng = np.random.RandomState(0)
    theta0 = net.init(rng, 0.3)
    theta0 += rng.normal(0, 0.1, theta0.shape)  # a non-zero head and biases
    X = rng.normal(size=(6, 3))
    G = rng.normal(size=(2, 6, 2))
    theta, Xt, Gt = (torch.asarray(a) for a in (theta0, X, G))

    def loss(th):
        return float(torch.sum(net.forward(th, Xt)[0] * Gt))

    out, caches = net.forward(theta, Xt)
    grad = net.backward(theta, Gt, caches)
    assert isinstance(grad, torch.Tensor) and grad.shape == theta.shape
    eps = 1e-6
    numeric = np.empty_like(theta0)
    for i in range(theta0.size):
        e = torch.zeros_like(theta)
        e[i] = eps
        numeric[i] = (loss(theta + e) - loss(theta - e)) / (2 * eps)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-5, atol=1e-7)
    np_out, np_caches = net.forward(theta0, X)
    np.testing.assert_allclose(out.numpy(), np_out, rtol=1e-12, atol=1e-14)
    np_grad = net.backward(theta0, G, np_caches)
    np.testing.assert_allclose(grad.numpy(), np_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_torch_fitted_model_pickles_and_predicts_the_same(kind):
    X, y, Est = _data(kind)
    est = Est(**SMALL, n_ensemble=2).fit(torch.asarray(X), y)
    loaded = pickle.loads(pickle.dumps(est))
    assert isinstance(loaded.params_, torch.Tensor)
    Xt = torch.asarray(X)
    assert torch.equal(_output(loaded, Xt), _output(est, Xt))


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_torch_fitted_model_saves_with_skops_through_to_numpy(kind):
    sio = require_extra("skops.io", "skops")
    from skffnn.utils import to_numpy

    X, y, Est = _data(kind)
    est = Est(**SMALL).fit(torch.asarray(X), y)
    host = to_numpy(est)
    assert isinstance(est.params_, torch.Tensor)  # the original is unchanged
    data = sio.dumps(host)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_array_equal(loaded.params_, est.params_.numpy())
    want = _output(est, torch.asarray(X)).numpy()
    with sklearn.config_context(array_api_dispatch=False):
        np.testing.assert_allclose(_output(loaded, X), want, rtol=1e-12)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_torch_fitted_model_exports_to_onnx(kind):
    ort = require_extra("onnxruntime", "onnx")
    require_extra("skl2onnx", "onnx")
    if tuple(int(p) for p in ort.__version__.split(".")[:2]) < (1, 32):
        pytest.skip(
            "needs onnxruntime >= 1.32 (double Cos and 1e-12 parity for the "
            f"Tabular graphs); the installed onnxruntime is {ort.__version__}"
        )
    from skffnn.onnx import to_onnx

    X, y, Est = _data(kind)
    est = Est(**SMALL, n_ensemble=2).fit(torch.asarray(X), y)
    onx = to_onnx(est, X[:1], options={"zipmap": False} if kind == "clf" else None)
    sess = ort.InferenceSession(onx.SerializeToString())
    got = sess.run(None, {sess.get_inputs()[0].name: X})
    Xt = torch.asarray(X)
    if kind == "clf":
        np.testing.assert_array_equal(got[0], est.predict(Xt).numpy())
        np.testing.assert_allclose(got[1], est.predict_proba(Xt).numpy(), rtol=1e-12,
                                   atol=1e-14)  # fmt: skip
    else:
        np.testing.assert_allclose(got[0], est.predict(Xt).numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_numpy_input_under_dispatch_computes_as_without_it(kind):
    X, y, Est = _data(kind)
    est = Est(**SMALL, n_ensemble=2).fit(X, y)
    assert type(est.params_) is np.ndarray
    got = _output(est, X)
    assert type(got) is np.ndarray
    with sklearn.config_context(array_api_dispatch=False):
        ref = Est(**SMALL, n_ensemble=2).fit(X, y)
        np.testing.assert_array_equal(got, _output(ref, X))
    np.testing.assert_array_equal(est.params_, ref.params_)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_scoring_monitor_on_a_torch_fit_scores_as_on_the_numpy_fit(kind):
    """Callbacks see the caller's arrays and the model of each epoch in X's
    namespace: a monitor's scores equal the NumPy fit's (float64 training)."""
    from sklearn.callback import ScoringMonitor  # scikit-learn 1.9, as this module

    X, y, Est = _data(kind)
    scoring = "accuracy" if kind == "clf" else "r2"
    logs = {}
    for name, (Xf, yf) in {
        "numpy": (X, y),
        "torch": (torch.asarray(X), torch.asarray(y)),
    }.items():
        monitor = ScoringMonitor(scoring=scoring)
        est = Est(**SMALL, dtype="float64")
        est.set_callbacks(monitor).fit(Xf, yf)
        logs[name] = [row[scoring] for row in monitor.get_logs().data]
    assert len(logs["torch"]) == len(logs["numpy"]) > 1
    np.testing.assert_allclose(logs["torch"], logs["numpy"], rtol=1e-6)
