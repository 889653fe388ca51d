"""Side effects: what a call may write, and what it must leave as it was.

Every function that takes an ``out=`` buffer, works on caller's arrays in
place for speed, or mutates a model is checked here against a snapshot of its
inputs taken before the call (the oracle is the input itself): the inputs are
unchanged to the bit, ``out=`` receives exactly the ``out=None`` result, and
``out`` may be the input itself. Estimators are checked on read-only inputs
too, where any write into the caller's data raises.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from _extras import require_extra
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, FFNRegressor, functional, gates
from skffnn.network import Network
from skffnn.utils import check_gradient

pytestmark = [
    pytest.mark.usefixtures("single_threaded_blas"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def _snapshot(*arrays):
    return [None if a is None else np.array(a, copy=True) for a in arrays]


def _assert_unchanged(before, *arrays):
    for b, a in zip(before, arrays, strict=True):
        if b is None:
            assert a is None
        else:
            assert a.dtype == b.dtype
            assert_array_equal(a, b)


def _mixed(shape, dtype=np.float64, seed=0):
    """Values of every regime: tiny, moderate, large, both signs, zeros."""
    rs = np.random.RandomState(seed)
    x = rs.normal(scale=3.0, size=shape)
    x.flat[::5] = 0.0
    x.flat[1::7] = 40.0
    x.flat[2::7] = -40.0
    return x.astype(dtype)


# -- skffnn.functional: out= buffers ---------------------------------------------------
def _has_out(name):
    fn = getattr(functional, name)
    return callable(fn) and "out" in inspect.signature(fn).parameters


OUT_FUNCTIONS = sorted(n for n in functional.__all__ if _has_out(n))


def _valid_input(name, dtype):
    x = _mixed((6, 5), dtype)
    if name.endswith("_from_output"):
        # outputs of the activation: sigmoid in (0, 1), tanh in (-1, 1),
        # relu and softplus >= 0.
        if "sigmoid" in name:
            return functional.sigmoid(x)
        if "tanh" in name:
            return np.tanh(x)
        if "relu" in name or "softplus" in name:
            return np.abs(x)
    return x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", OUT_FUNCTIONS)
def test_functional_out_receives_the_result_and_the_input_is_left_alone(name, dtype):
    fn = getattr(functional, name)
    x = _valid_input(name, dtype)
    before = _snapshot(x)
    with np.errstate(all="raise"):
        want = fn(x)
    _assert_unchanged(before, x)
    out = np.full_like(x, np.nan)
    got = fn(x, out=out)
    assert got is out
    assert_array_equal(out, want)
    _assert_unchanged(before, x)
    # in place: out is the input
    y = x.copy()
    assert fn(y, out=y) is y
    assert_array_equal(y, want)


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_functional_reductions_leave_their_input_alone(name, axis):
    x = _mixed((6, 5))
    x[0, 0] = np.inf
    x[1, 1] = -np.inf
    before = _snapshot(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        getattr(functional, name)(x, axis=axis)
    _assert_unchanged(before, x)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", ["binary_log_loss", "multinomial_log_loss"])
def test_functional_losses_leave_targets_scores_and_weights_alone(name, weighted):
    z = _mixed((8, 3))
    y = np.eye(3)[[0, 1, 2, 0, 1, 2, 0, 1]]
    w = np.linspace(0.0, 2.0, 8) if weighted else None
    before = _snapshot(y, z, w)
    getattr(functional, name)(y, z, w)
    _assert_unchanged(before, y, z, w)


# -- skffnn.gates ----------------------------------------------------------------------
def test_gates_leave_their_inputs_alone():
    rs = np.random.RandomState(0)
    up, x, y, s = (rs.normal(size=(4, 3)) for _ in range(4))
    s = functional.sigmoid(s)
    a_prev, W = rs.normal(size=(4, 2)), rs.normal(size=(2, 3))
    before = _snapshot(up, x, y, s, a_prev, W)
    gates.add_backward(up)
    gates.mul_backward(up, x, y)
    gates.copy_backward(up, x, y)
    gates.max_backward(up, x, y)
    gates.sigmoid_backward(up, s)
    gates.affine_backward(up, a_prev, W)
    _assert_unchanged(before, up, x, y, s, a_prev, W)


# -- the output heads (skffnn._losses.get_head: a private module's stable function) ----
def _heads():
    from skffnn._losses import HEADS, get_head

    heads = [get_head(n) for n in sorted(HEADS)]
    heads += [get_head("squared_error", objective=o) for o in ("sum", "sklearn")]
    return heads


def _head_case(head, finite):
    z = _mixed((6, 3))
    if not finite:
        z[0, 0], z[1, 2] = np.inf, -np.inf
    if head.name == "log_loss":
        y = np.eye(3)[[0, 1, 2, 2, 1, 0]]
    elif head.name == "binary_log_loss":
        y = (z > 0.5).astype(float)
    elif head.name == "poisson":
        y = np.abs(_mixed((6, 3), seed=1))
        z = np.minimum(z, 30.0)
    else:
        y = _mixed((6, 3), seed=1)
    return z, y


# Infinite scores: only the classifier heads define a loss for them.
HEAD_CASES = [
    pytest.param(head, finite, id=f"{head!r}-{'finite' if finite else 'infinite'}")
    for head in _heads()
    for finite in (True, False)
    if finite or head.name in ("log_loss", "binary_log_loss")
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("head, finite", HEAD_CASES)
def test_heads_write_only_out_and_out_may_be_the_scores(head, finite, weighted):
    z, y = _head_case(head, finite)
    w = np.array([1.0, 0.0, 2.0, 0.5, 3.0, 1.0]) if weighted else None
    before = _snapshot(z, y, w)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        head.link(z)
        loss = head.loss(z, y, w)
        _assert_unchanged(before, z, y, w)
        fused, seed = head.loss_and_seed(z, y, w)
        _assert_unchanged(before, z, y, w)
        out = np.full_like(z, np.nan)
        fused_out, seed_out = head.loss_and_seed(z, y, w, out=out)
        _assert_unchanged(before, z, y, w)
        assert seed_out is out
        zz = z.copy()
        fused_in_place, seed_in_place = head.loss_and_seed(zz, y, w, out=zz)
        link_out = np.full_like(z, np.nan)
        assert head.link(z, out=link_out) is link_out
        if hasattr(head, "proba"):
            head.proba(z)
            head.exact_log_proba(z)
    _assert_unchanged(before, z, y, w)
    assert seed_in_place is zz
    assert_array_equal(seed_out, seed)
    assert_array_equal(seed_in_place, seed)
    assert fused_out == fused_in_place == fused or np.isnan(fused)
    assert_array_equal(link_out, head.link(z))
    if np.isfinite(loss):
        assert fused == pytest.approx(loss, rel=1e-12)


# -- the network -----------------------------------------------------------------------
@pytest.mark.parametrize("n_rows", [50, 2500], ids=["one-block", "row-blocks"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
def test_network_leaves_theta_and_data_alone_and_fills_out(loss, dtype, n_rows):
    net = Network([4, 6, 3], activation=["tanh"], loss=loss, dtype=dtype)
    theta = net.init_params(np.random.RandomState(0))
    X = _mixed((n_rows, 4), dtype).clip(-5, 5)
    Y = np.eye(3, dtype=dtype)[np.arange(n_rows) % 3]
    w = np.random.RandomState(1).uniform(0, 2, n_rows).astype(dtype)
    before = _snapshot(theta, X, Y, w)
    net.forward(theta, X)
    net.head.link(net.forward(theta, X))
    loss_value, grad = net.loss_and_gradient(theta, X, Y, w, alpha=0.3)
    grad = grad.copy()  # the network may hand back one of its buffers
    _assert_unchanged(before, theta, X, Y, w)
    out = np.full_like(theta, np.nan)
    loss_out, grad_out = net.loss_and_gradient(theta, X, Y, w, alpha=0.3, out=out)
    assert grad_out is out
    assert_array_equal(out, grad)
    assert loss_out == loss_value
    _assert_unchanged(before, theta, X, Y, w)


def test_check_gradient_leaves_theta_and_data_alone():
    net = Network([3, 4, 2], activation="tanh", loss="log_loss")
    theta = net.init_params(np.random.RandomState(0))
    X = _mixed((5, 3)).clip(-3, 3)
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    w = np.array([1.0, 2.0, 0.0, 0.5, 1.0])
    before = _snapshot(theta, X, Y, w)
    check_gradient(net, theta, X, Y, w, alpha=0.1)
    check_gradient(net, theta, X, Y, w, n_directions=3, random_state=0)
    _assert_unchanged(before, theta, X, Y, w)


# -- the solvers (skffnn._solvers: a private module's classes) -------------------------
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimizer_step_updates_theta_only(kind):
    from skffnn._solvers import AdamOptimizer, SGDOptimizer

    n = 300_000  # several of the update's blocks
    opt = (
        SGDOptimizer(n, np.float64, 0.1, momentum=0.9)
        if kind == "sgd"
        else AdamOptimizer(n, np.float64, 0.01)
    )
    theta = np.random.RandomState(0).normal(size=n)
    grad = np.random.RandomState(1).normal(size=n)
    before_grad = _snapshot(grad)
    start = theta.copy()
    opt.step(theta, grad)
    _assert_unchanged(before_grad, grad)
    assert not np.array_equal(theta, start)


def test_minimize_lbfgs_leaves_its_start_alone_and_returns_its_own_array():
    from skffnn._solvers import minimize_lbfgs

    A = np.diag(np.arange(1.0, 6.0))
    theta0 = np.ones(5)
    before = _snapshot(theta0)
    seen = []

    def fun(theta):
        seen.append(theta)
        return float(0.5 * theta @ A @ theta), A @ theta

    res = minimize_lbfgs(fun, theta0, max_iter=50, max_fun=100, tol=1e-10)
    _assert_unchanged(before, theta0)
    assert res.theta is not theta0
    assert not any(res.theta is t for t in seen)  # later calls cannot move it
    assert np.abs(res.theta).max() < 1e-6


# -- the estimators --------------------------------------------------------------------
def _readonly(*arrays):
    for a in arrays:
        if a is not None:
            a.setflags(write=False)
    return arrays


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_estimators_leave_read_only_data_alone(Est, solver, dtype):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(dtype)
    y = y.astype(float) if Est is FFNRegressor else y
    w = np.linspace(0.1, 2.0, len(y))
    before = _snapshot(X, y, w)
    X, y, w = _readonly(X, y, w)
    est = Est(
        hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0,
        early_stopping=solver != "lbfgs",
    )  # fmt: skip
    if Est is FFNClassifier:  # class weights multiply the sample weights
        est.set_params(class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=w)
        if solver != "lbfgs":
            est.set_params(early_stopping=False).partial_fit(X, y, sample_weight=w)
    est.predict(X)
    est.score(X, y, sample_weight=w)
    if Est is FFNClassifier:
        est.predict_proba(X)
        est.predict_log_proba(X)
    _assert_unchanged(before, X, y, w)


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_prediction_leaves_the_models_public_state_alone(Est):
    X, y = load_iris(return_X_y=True)
    est = Est(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    public = {k: v for k, v in vars(est).items() if k.endswith("_")}
    before = {
        k: [np.array(a, copy=True) for a in v] if isinstance(v, list) else v
        for k, v in public.items()
    }
    params = est.get_params()
    methods = ["predict", "score"]
    if Est is FFNClassifier:
        methods += ["predict_proba", "predict_log_proba"]
    for name in methods:
        args = (X, y) if name == "score" else (X,)
        getattr(est, name)(*args)
    assert est.get_params() == params
    for k, v in before.items():
        now = getattr(est, k)
        if isinstance(v, list):
            assert len(now) == len(v)
            for a, b in zip(v, now):
                assert_array_equal(np.asarray(a), np.asarray(b))
        elif isinstance(v, np.ndarray):
            assert_array_equal(v, now)
        else:
            assert now == v or (v != v and now != now), k


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_fitting_on_dask_leaves_the_arrays_behind_it_alone(solver):
    dask = require_extra("dask", "dask")
    da = require_extra("dask.array", "dask")
    distributed = require_extra("distributed", "dask")
    try:
        distributed.default_client()
    except ValueError:
        pass
    else:  # pragma: no cover - a client left by another module
        pytest.skip("a distributed client is active; this test uses the local path")
    rs = np.random.RandomState(0)
    X = rs.normal(size=(200, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    w = rs.uniform(0, 2, 200)
    before = _snapshot(X, y, w)
    chunks = (60, 70, 70)
    with dask.config.set(scheduler="synchronous"):
        est = FFNClassifier(
            hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0,
            shuffle=True, batch_size=32,
        ).fit(
            da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=chunks),
            da.from_array(w, chunks=chunks),
        )  # fmt: skip
        est.predict(da.from_array(X, chunks=(chunks, -1))).compute()
    _assert_unchanged(before, X, y, w)
