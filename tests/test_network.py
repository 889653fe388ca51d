"""The network: backprop against finite differences, forward and SGD against sklearn."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skffnn._activations import get_gate
from skffnn._blocks import block_rows as _block_rows
from skffnn._blocks import forward_rows
from skffnn._layout import Layout
from skffnn._solvers import AdamOptimizer, SGDOptimizer
from skffnn.network import Network
from skffnn.utils import check_gradient

ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "softplus"]
LOSSES = ["squared_error", "poisson", "binary_log_loss", "log_loss"]


def _targets(loss, rng, n, k):
    if loss == "squared_error":
        return rng.normal(size=(n, k))
    if loss == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    if loss == "binary_log_loss":
        return rng.randint(2, size=(n, k)).astype(float)
    return np.eye(k)[rng.randint(k, size=n)]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_backprop_matches_finite_differences(activation, loss, depth):
    rng = np.random.RandomState(depth)
    units = [4] + [5] * (depth - 1) + [3]
    net = Network(units, activation, loss)
    X, Y = rng.normal(size=(7, 4)), _targets(loss, rng, 7, 3)
    for sample_weight in (None, rng.uniform(0.1, 3.0, size=7)):
        for alpha in (0.0, 0.7):
            theta = net.init_params(rng)
            err = check_gradient(net, theta, X, Y, sample_weight, alpha=alpha)
            assert err < 1e-6, (sample_weight is not None, alpha, err)


def test_per_layer_activations_backprop_matches_finite_differences():
    rng = np.random.RandomState(0)
    net = Network([3, 4, 5, 4, 2], ["relu", "softplus", "tanh"], "log_loss")
    X, Y = rng.normal(size=(9, 3)), _targets("log_loss", rng, 9, 2)
    assert check_gradient(net, net.init_params(0), X, Y, alpha=0.1) < 1e-6


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    from skffnn import _activations

    rng = np.random.RandomState(0)
    net = Network([3, 4, 2], "tanh", "log_loss")
    X, Y = rng.normal(size=(6, 3)), _targets("log_loss", rng, 6, 2)
    # Forget the tanh gate's local gradient: backprop is now wrong.
    monkeypatch.setattr(_activations.Gate, "backward", lambda self, up, a: up)
    assert check_gradient(net, net.init_params(0), X, Y) > 1e-2


@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_check_of_a_float32_network_passes_at_the_dtypes_step(loss):
    # At float64's step 1e-6 a float32 loss difference is all rounding: a right
    # gradient read 0.1-0.2. The step and the tolerance follow the dtype.
    rng = np.random.RandomState(0)
    net = Network([3, 4, 2], "tanh", loss, dtype=np.float32)
    X = rng.normal(size=(6, 3)).astype(np.float32)
    Y = _targets(loss, rng, 6, 2).astype(np.float32)
    theta = net.init_params(0)
    result = check_gradient(net, theta, X, Y, alpha=0.1)
    assert (result.eps, result.tolerance, result.dtype) == (3e-3, 1e-3, np.float32)
    assert result < result.tolerance and result.passed
    assert check_gradient(net, theta, X, Y, eps=1e-6) > result.tolerance


def test_gradient_check_of_float32_still_detects_a_wrong_gradient(monkeypatch):
    from skffnn import _activations

    rng = np.random.RandomState(0)
    net = Network([3, 4, 2], "tanh", "log_loss", dtype=np.float32)
    X = rng.normal(size=(6, 3)).astype(np.float32)
    Y = _targets("log_loss", rng, 6, 2).astype(np.float32)
    monkeypatch.setattr(_activations.Gate, "backward", lambda self, up, a: up)
    result = check_gradient(net, net.init_params(0), X, Y)
    assert not result.passed and result > 10 * result.tolerance


def test_gradient_check_result_is_a_float_that_names_its_tolerance():
    rng = np.random.RandomState(0)
    net = Network([3, 4, 2], "tanh", "log_loss")
    X, Y = rng.normal(size=(6, 3)), _targets("log_loss", rng, 6, 2)
    result = check_gradient(net, net.init_params(0), X, Y)
    assert isinstance(result, float) and result.passed
    assert (result.eps, result.tolerance) == (1e-6, 1e-6)
    assert "tolerance=1e-06" in repr(result) and "float64" in repr(result)


def test_gradient_check_along_random_directions_agrees_with_coordinates():
    rng = np.random.RandomState(0)
    net = Network([5, 8, 3], "softplus", "binary_log_loss")
    X, Y = rng.normal(size=(10, 5)), _targets("binary_log_loss", rng, 10, 3)
    theta = net.init_params(0)
    assert check_gradient(net, theta, X, Y, n_directions=5, random_state=0) < 1e-6


def test_sparse_input_gives_the_dense_loss_and_gradient():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, 6)) * (rng.uniform(size=(8, 6)) < 0.3)
    Y = _targets("log_loss", rng, 8, 3)
    net = Network([6, 5, 3], "relu", "log_loss")
    theta = net.init_params(0)
    dense = net.loss_and_gradient(theta, X, Y, alpha=0.1)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        loss, grad = net.loss_and_gradient(theta, fmt(X), Y, alpha=0.1)
        np.testing.assert_allclose(loss, dense[0], rtol=1e-14)
        np.testing.assert_allclose(grad, dense[1], rtol=1e-12, atol=1e-15)


def test_reused_buffers_do_not_leak_between_batches_of_different_sizes():
    rng = np.random.RandomState(0)
    net = Network([4, 6, 2], "tanh", "squared_error")
    theta = net.init_params(0)
    batches = [(rng.normal(size=(n, 4)), rng.normal(size=(n, 2))) for n in (5, 3, 5)]
    first = [net.loss_and_gradient(theta, X, Y) for X, Y in batches]
    fresh = Network([4, 6, 2], "tanh", "squared_error")
    for (X, Y), (loss, grad) in zip(batches, first):
        loss2, grad2 = fresh.loss_and_gradient(theta, X, Y)
        assert loss == loss2
        np.testing.assert_array_equal(grad, grad2)


def test_float32_network_computes_in_float32():
    rng = np.random.RandomState(0)
    net = Network([4, 6, 3], "relu", "log_loss", dtype=np.float32)
    theta = net.init_params(0)
    assert theta.dtype == np.float32
    X = rng.normal(size=(5, 4)).astype(np.float32)
    Y = _targets("log_loss", rng, 5, 3).astype(np.float32)
    _, grad = net.loss_and_gradient(theta, X, Y)
    assert grad.dtype == np.float32
    assert net.forward(theta, X).dtype == np.float32
    ref = Network([4, 6, 3], "relu", "log_loss")
    _, grad64 = ref.loss_and_gradient(theta.astype(np.float64), X, Y)
    np.testing.assert_allclose(grad, grad64, rtol=1e-4, atol=1e-6)


def test_layout_views_share_memory_with_the_flat_vector():
    layout = Layout((3, 4, 2))
    theta = np.arange(layout.n_params, dtype=float)
    coefs, intercepts = layout.unpack(theta)
    assert all(np.shares_memory(a, theta) for a in coefs + intercepts)
    coefs[1][0, 0] = -1.0
    assert theta[12] == -1.0  # W1 (3x4) comes first, then W2's first entry
    np.testing.assert_array_equal(layout.pack(coefs, intercepts), theta)


def test_layout_order_is_sklearns_packed_order():
    mlp = MLPRegressor(hidden_layer_sizes=(4, 3), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(np.random.RandomState(0).normal(size=(20, 5)), np.arange(20.0))
    packed = np.hstack([a.ravel() for a in mlp.coefs_ + mlp.intercepts_])
    layout = Layout((5, 4, 3, 1))
    np.testing.assert_array_equal(layout.pack(mlp.coefs_, mlp.intercepts_), packed)


def _sklearn_at_init(cls, X, y, **params):
    """A scikit-learn MLP holding its initial weights, by its public API.

    One SGD step with a learning rate of 1e-300 changes no weight (the step is
    far below half an ulp), so the weights stay exactly as initialised.
    """
    mlp = cls(**params)
    mlp.set_params(solver="sgd", learning_rate_init=1e-300, momentum=0.0, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    mlp.set_params(**params)
    return mlp


def test_initialisation_draws_sklearns_weights_for_the_same_seed():
    X = np.random.RandomState(0).normal(size=(30, 5))
    y = np.arange(30) % 3
    for activation in ("relu", "logistic"):
        mlp = _sklearn_at_init(
            MLPClassifier, X, y, hidden_layer_sizes=(7, 4), activation=activation,
            random_state=3,
        )  # fmt: skip
        net = Network([5, 7, 4, 3], activation, "log_loss")
        coefs, intercepts = net.layout.unpack(net.init_params(random_state=3))
        for a, b in zip(coefs + intercepts, mlp.coefs_ + mlp.intercepts_):
            np.testing.assert_array_equal(a, b)


def _fitted_sklearn(cls, activation, X, y, **kw):
    est = cls(
        hidden_layer_sizes=(6, 5), activation=activation, max_iter=30,
        random_state=0, **kw,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_forward_pass_equals_sklearns_given_the_same_weights(activation):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4))
    cases = [
        (MLPClassifier, rng.randint(3, size=50), "log_loss", "predict_proba"),
        (MLPClassifier, rng.randint(2, size=50), "binary_log_loss", None),
        (MLPRegressor, rng.normal(size=50), "squared_error", "predict"),
    ]
    for cls, y, loss, method in cases:
        mlp = _fitted_sklearn(cls, activation, X, y)
        units = [4, 6, 5, mlp.n_outputs_]
        net = Network(units, activation, loss)
        theta = net.layout.pack(mlp.coefs_, mlp.intercepts_)
        ours = net.head.link(net.forward(theta, X))
        if method is None:  # binary: sklearn's positive-class column
            theirs = mlp.predict_proba(X)[:, 1:]
        else:
            theirs = getattr(mlp, method)(X).reshape(ours.shape)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def _one_epoch_like_sklearn(cls, X, y, net, Y, optimizer, batch_size, **params):
    """Run one epoch from sklearn's initial weights in both; return both thetas."""
    mlp = _sklearn_at_init(cls, X, y, **params)
    theta = net.layout.pack(mlp.coefs_, mlp.intercepts_)
    mlp.set_params(warm_start=True, max_iter=1, shuffle=False, batch_size=batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    for start in range(0, X.shape[0], batch_size):
        rows = slice(start, start + batch_size)
        _, grad = net.loss_and_gradient(theta, X[rows], Y[rows], alpha=mlp.alpha)
        optimizer.step(theta, grad)
    return theta, net.layout.pack(mlp.coefs_, mlp.intercepts_)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_one_sgd_epoch_lands_on_sklearns_weights(momentum, nesterov):
    """From the same weights, one epoch of minibatch SGD with shuffle=False."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(103, 6)), rng.randint(3, size=103)
    net = Network([6, 8, 5, 3], "tanh", "log_loss")
    opt = SGDOptimizer(net.n_params, np.float64, 0.05, "constant", momentum, nesterov)
    ours, theirs = _one_epoch_like_sklearn(
        MLPClassifier, X, y, net, np.eye(3)[y], opt, 20,
        hidden_layer_sizes=(8, 5), activation="tanh", solver="sgd",
        learning_rate_init=0.05, momentum=momentum, nesterovs_momentum=nesterov,
        alpha=1e-3, random_state=0,
    )  # fmt: skip
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_one_adam_epoch_lands_on_sklearns_weights():
    rng = np.random.RandomState(1)
    X, y = rng.normal(size=(64, 5)), rng.normal(size=64)
    net = Network([5, 7, 1], "relu", "squared_error")
    opt = AdamOptimizer(net.n_params, np.float64, 0.01)
    ours, theirs = _one_epoch_like_sklearn(
        MLPRegressor, X, y, net, y[:, None], opt, 16,
        hidden_layer_sizes=(7,), solver="adam", learning_rate_init=0.01,
        random_state=0,
    )  # fmt: skip
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_network_rejects_a_wrong_number_of_activations():
    with pytest.raises(
        ValueError, match="activation has 2 entries for 1 hidden layers"
    ):
        Network([3, 4, 2], ["relu", "tanh"])


def test_network_rejects_an_unknown_activation_by_name():
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        Network([3, 4, 2], "swish")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda net: net.forward(np.zeros(3), np.zeros((2, 3))), "theta has shape"),
        (lambda net: net.forward(net.init_params(0), np.zeros((2, 4))), "X has shape"),
        (lambda net: net.forward(net.init_params(0), np.zeros(3)), "X has shape"),
        (
            lambda net: net.loss_and_gradient(
                net.init_params(0), np.zeros((2, 3)), np.zeros((2, 1))
            ),
            r"Y has shape \(2, 1\); expected \(2, 2\)",
        ),
        (
            lambda net: net.loss_and_gradient(
                net.init_params(0), np.zeros((2, 3)), np.zeros((2, 2)), np.ones(3)
            ),
            r"sample_weight has shape \(3,\); expected \(2,\)",
        ),
        (
            lambda net: net.loss_and_gradient(
                net.init_params(0), np.zeros((2, 3)), np.zeros((2, 2)), np.zeros(2)
            ),
            "sample_weight must have a positive sum",
        ),
        (
            lambda net: check_gradient(
                net, net.init_params(0), np.zeros((2, 3)), np.zeros((2, 2)), eps=0
            ),
            "eps must be positive",
        ),
    ],
)
def test_low_level_api_names_a_shape_or_argument_mistake(call, message):
    with pytest.raises(ValueError, match=message):
        call(Network([3, 4, 2], "tanh", "squared_error"))


@pytest.mark.parametrize("itemsize, width", [(8, 256), (4, 256), (8, 4000), (8, 3)])
def test_row_blocks_keep_the_widest_activation_block_near_one_mib(itemsize, width):
    rows = _block_rows([10, width, 2], itemsize)
    assert 512 <= rows <= 4096
    if 512 < rows < 4096:
        assert rows * width * itemsize <= 1 << 20 < (rows + 1) * width * itemsize


@pytest.mark.parametrize("sparse", [False, True])
def test_forward_in_row_blocks_equals_one_pass_over_all_rows(sparse):
    rng = np.random.default_rng(0)
    units = [7, 300, 40, 5]
    chunk = forward_rows(units, 8, n_rows=10**6)
    n = 2 * chunk + 37  # three blocks
    assert forward_rows(units, 8, n_rows=n) < n
    X = rng.standard_normal((n, units[0]))
    W = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in itertools.pairwise(units)]
    b = [rng.standard_normal(u) for u in units[1:]]
    expected = np.maximum(np.tanh(X @ W[0] + b[0]) @ W[1] + b[1], 0) @ W[2] + b[2]
    net = Network(units, ["tanh", "relu"])
    got = net.forward_layers(W, b, sp.csr_matrix(X) if sparse else X)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("weights", ["none", "random", "first block zero"])
@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss", "squared_error"])
def test_large_batches_in_row_blocks_give_the_whole_batch_loss_and_gradient(
    loss, weights
):
    from scipy.special import log_expit, log_softmax

    rng = np.random.default_rng(1)
    n_out = {"log_loss": 3, "binary_log_loss": 1, "squared_error": 2}[loss]
    units = [5, 300, n_out]
    block = _block_rows(units, 8)
    n = 3 * block + 77  # goes through _backprop in blocks
    X = rng.standard_normal((n, 5))
    if loss == "log_loss":
        Y = np.eye(3)[rng.integers(0, 3, n)]
    elif loss == "binary_log_loss":
        Y = rng.integers(0, 2, (n, 1)).astype(float)
    else:
        Y = rng.standard_normal((n, 2))
    sw = {
        "none": None,
        "random": rng.uniform(0, 2, n),
        "first block zero": np.r_[np.zeros(block), rng.uniform(0, 2, n - block)],
    }[weights]
    net = Network(units, "tanh", loss)
    theta = net.init_params(0)
    value, _ = net.loss_and_gradient(theta, X, Y, sw, alpha=0.3)

    # The loss from its definition, in one pass over all rows.
    (W0, W1), (b0, b1) = net.layout.unpack(theta)
    z = np.tanh(X @ W0 + b0) @ W1 + b1
    if loss == "log_loss":
        per = -(Y * log_softmax(z, axis=1)).sum(axis=1)
    elif loss == "binary_log_loss":
        per = -(Y * log_expit(z) + (1 - Y) * log_expit(-z)).sum(axis=1)
    else:
        # scikit-learn's squared error: averaged over outputs.
        per = 0.5 * ((z - Y) ** 2).mean(axis=1)
    w = np.ones(n) if sw is None else sw
    l2 = 0.5 * 0.3 * ((W0**2).sum() + (W1**2).sum()) / w.sum()
    np.testing.assert_allclose(value, per @ w / w.sum() + l2, rtol=1e-12)
    err = check_gradient(
        net, theta, X, Y, sw, alpha=0.3, n_directions=8, random_state=0
    )
    assert err < 1e-6


@pytest.mark.parametrize("n_classes", [3, 10, 40])  # both sides of _row_max's switch
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_softmax_head_matches_its_definition(n_classes, weighted):
    from skffnn import functional as F
    from skffnn._losses import get_head

    rng = np.random.RandomState(n_classes)
    z = rng.normal(scale=30.0, size=(50, n_classes))
    z[0] = 700.0  # a row whose exp would overflow without the shift
    Y = np.eye(n_classes)[rng.randint(n_classes, size=50)]
    w = rng.uniform(0.1, 3.0, size=50) if weighted else None
    loss, seed = get_head("log_loss").loss_and_seed(z.copy(), Y, w)
    # The oracle: the mpmath-tested loss from logits, and softmax - y.
    assert loss == pytest.approx(F.multinomial_log_loss(Y, z, w), rel=1e-13)
    share = np.full(50, 1 / 50) if w is None else w / w.sum()
    expected = (F.softmax(z, axis=1) - Y) * share[:, None]
    np.testing.assert_allclose(seed, expected, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["special values", "several zero blocks", "strided"])
def test_relu_gate_forward_matches_functional_relu(dtype, layout):
    from skffnn import functional as F

    if layout == "special values":
        z = np.array([[-2.0, -0.0, 0.0, 3.5, np.nan, -np.inf, np.inf]], dtype)
    else:
        # 2.5 blocks of the gate's zeros, with a nan in the last one.
        z = np.random.RandomState(0).normal(size=(640, 128)).astype(dtype)
        z[-1, -1] = np.nan
        if layout == "strided":
            z = z[:, ::2]
    expected = F.relu(z)
    got = get_gate("relu").forward(z)
    assert got is z  # in place
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize(
    "name", ["identity", "logistic", "sigmoid", "tanh", "relu", "softplus"]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_gate_backward_is_upstream_times_the_input_derivative(name, dtype):
    from skffnn import functional as F

    rng = np.random.RandomState(0)
    z = rng.normal(scale=3.0, size=(40, 7)).astype(dtype)
    upstream = rng.normal(size=z.shape).astype(dtype)
    gate = get_gate(name)
    a = gate.forward(z.copy())
    derivative = {
        "identity": F.identity_grad, "logistic": F.sigmoid_grad,
        "sigmoid": F.sigmoid_grad, "tanh": F.tanh_grad, "relu": F.relu_grad,
        "softplus": F.softplus_grad,
    }[name](z)  # fmt: skip
    got = gate.backward(upstream.copy(), a)
    want = upstream.astype(float) * derivative.astype(float)
    # From the output a = f(z) the local gradient carries a's rounding, half
    # an ULP of a <= 1, which f'(a) turns into about 2 eps absolute.
    eps = np.finfo(dtype).eps
    bound = 8 * eps * np.abs(want) + 4 * eps * np.abs(upstream)
    assert (np.abs(got - want) <= bound).all(), np.max(np.abs(got - want) / bound)


def test_gate_backward_is_its_gates_rule_whatever_its_name():
    import copy

    from skffnn._activations import ACTIVATIONS

    # One gate per name: a gate named 'relu' that is the tanh gate computes
    # tanh (nothing switches on the name).
    tanh = ACTIVATIONS["tanh"]
    impostor = copy.copy(tanh)
    impostor.name = "relu"
    z = np.random.RandomState(0).normal(size=(5, 4))
    up = np.ones_like(z)
    a = impostor.forward(z.copy())
    np.testing.assert_array_equal(a, np.tanh(z))
    np.testing.assert_array_equal(impostor.backward(up.copy(), a.copy()),
                                  tanh.backward(up.copy(), a.copy()))  # fmt: skip
    for name, gate in ACTIVATIONS.items():
        assert gate.name == name or (name, gate.name) == ("sigmoid", "logistic")


def test_relu_and_identity_rows_register_the_functional_gradients_behaviour():
    from skffnn import functional as F

    a = np.array([[-0.0, 0.0, 2.5, np.nan, 1e-300]])
    up = np.array([[3.0, -1.0, 2.0, 1.0, 4.0]])
    relu = get_gate("relu").backward(up.copy(), a.copy())
    np.testing.assert_array_equal(
        np.nan_to_num(relu, nan=-7.0),
        np.nan_to_num(
            up * np.nan_to_num(F.relu_grad_from_output(a), nan=0.0), nan=-7.0
        ),
    )
    identity = get_gate("identity").backward(up.copy(), a.copy())
    np.testing.assert_array_equal(identity, up * F.identity_grad_from_output(a))
