"""The lecture's worked examples, as readable tests (cs231n's computational graphs)."""

import mpmath
import numpy as np
import pytest

from skffnn import FFNClassifier, gates
from skffnn import functional as F
from skffnn.network import Network


def test_add_then_mul_graph_gives_the_lectures_gradients():
    # f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4.
    x, y, z = -2.0, 5.0, -4.0
    q = x + y
    f = q * z
    assert (q, f) == (3.0, -12.0)
    df_dq, df_dz = gates.mul_backward(1.0, q, z)
    df_dx, df_dy = gates.add_backward(df_dq)
    assert (df_dx, df_dy, df_dz) == (-4.0, -4.0, 3.0)


def _sigmoid_neuron_by_gates(w0, x0, w1, x1, w2):
    """Forward and backward through the lecture's graph, one gate at a time."""
    a, b = w0 * x0, w1 * x1
    c = a + b
    d = c + w2
    out = float(F.sigmoid(d))
    dd = float(gates.sigmoid_backward(1.0, out))
    dc, dw2 = gates.add_backward(dd)
    da, db = gates.add_backward(dc)
    dw0, dx0 = gates.mul_backward(da, w0, x0)
    dw1, dx1 = gates.mul_backward(db, w1, x1)
    return out, dict(w0=dw0, x0=dx0, w1=dw1, x1=dx1, w2=dw2)


# The lecture's sigmoid neuron and the numbers it prints (LECTURE.md).
NEURON = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
LECTURE_OUTPUT = 0.73
LECTURE_GRADIENTS = dict(w0=-0.20, x0=0.39, w1=-0.39, x1=-0.59, w2=0.20)


def _neuron_in_closed_form():
    """Output and gradients of the neuron from calculus, at 50 digits.

    ``w0 x0 + w1 x1 + w2 = 1``, so ``f = sigmoid(1)``; every gradient is the
    sigmoid's ``f (1 - f)`` times the other factor of its product (1 for w2).
    """
    with mpmath.workdps(50):
        f = 1 / (1 + mpmath.exp(-1))
        local = f * (1 - f)
        p = {k: mpmath.mpf(v) for k, v in NEURON.items()}
        grads = dict(
            w0=local * p["x0"], x0=local * p["w0"],
            w1=local * p["x1"], x1=local * p["w1"], w2=local,
        )  # fmt: skip
        return float(f), {k: float(v) for k, v in grads.items()}


def test_sigmoid_neuron_outputs_073_with_the_lectures_gradients():
    exact_out, exact = _neuron_in_closed_form()
    # The closed form is the lecture's example: it prints these to 2 decimals.
    assert round(exact_out, 2) == LECTURE_OUTPUT
    assert {k: round(v, 2) for k, v in exact.items()} == LECTURE_GRADIENTS
    # The package's sigmoid and gates, one node at a time, give the exact values.
    out, grads = _sigmoid_neuron_by_gates(**NEURON)
    assert out == pytest.approx(exact_out, rel=1e-15)
    for name, value in exact.items():
        assert grads[name] == pytest.approx(value, rel=1e-15), name
    # And so does the network's backprop, on the neuron's weight gradients.
    net = Network([2, 1, 1], activation="logistic", loss="squared_error")
    theta = np.zeros(net.n_params)
    (W1, W2), (b1, _) = net.layout.unpack(theta)
    W1[:, 0], b1[0], W2[0, 0] = [NEURON["w0"], NEURON["w1"]], NEURON["w2"], 1.0
    X = np.array([[NEURON["x0"], NEURON["x1"]]])
    # 0.5 (out - y)^2 with y = out - 1: dLoss/dout = 1, so dLoss/dw = df/dw.
    _, grad = net.loss_and_gradient(theta, X, net.forward(theta, X) - 1.0)
    (gW1, _), (gb1, _) = net.layout.unpack(grad)
    np.testing.assert_allclose(gW1[:, 0], [exact["w0"], exact["w1"]], rtol=1e-15)
    np.testing.assert_allclose(gb1[0], exact["w2"], rtol=1e-15)


def test_sigmoid_gate_local_gradient_is_one_minus_s_times_s():
    # The lecture's (1 - 0.73) 0.73 = 0.1971, which it prints as 0.2.
    assert float(gates.sigmoid_backward(1.0, 0.73)) == pytest.approx(0.1971, rel=1e-15)
    # Downstream = upstream x (1 - s) s, against the product at 50 digits.
    rng = np.random.RandomState(0)
    s, upstream = rng.uniform(0, 1, size=50), rng.normal(size=50)
    with mpmath.workdps(50):
        exact = [
            float(mpmath.mpf(u) * (1 - mpmath.mpf(v)) * mpmath.mpf(v))
            for u, v in zip(upstream, s)
        ]
    np.testing.assert_allclose(gates.sigmoid_backward(upstream, s), exact, rtol=1e-15)


def test_network_backprop_reproduces_the_sigmoid_neuron_weight_gradients():
    # The same neuron as a network: a logistic hidden unit read out with
    # weight 1, under 0.5 (out - y)^2 with y = out - 1, so dLoss/dout = 1 and
    # the network's weight gradient is exactly df/dw.
    net = Network([2, 1, 1], activation="logistic", loss="squared_error")
    theta = np.zeros(net.n_params)
    (W1, W2), (b1, _) = net.layout.unpack(theta)
    W1[:, 0] = [2.0, -3.0]
    b1[0] = -3.0
    W2[0, 0] = 1.0
    X = np.array([[-1.0, -2.0]])
    out = net.forward(theta, X)[0, 0]
    _, grad = net.loss_and_gradient(theta, X, np.array([[out - 1.0]]))
    (gW1, _), (gb1, _) = net.layout.unpack(grad)
    _, expected = _sigmoid_neuron_by_gates(2.0, -1.0, -3.0, -2.0, -3.0)
    np.testing.assert_allclose(gW1[:, 0], [expected["w0"], expected["w1"]], rtol=1e-12)
    np.testing.assert_allclose(gb1[0], expected["w2"], rtol=1e-12)


def test_add_gate_distributes_the_upstream_gradient():
    assert gates.add_backward(2.5) == (2.5, 2.5)


def test_mul_gate_swaps_its_inputs():
    assert gates.mul_backward(2.0, 3.0, 5.0) == (10.0, 6.0)


def test_copy_gate_sums_the_upstream_gradients():
    # f = x * x uses x twice: df/dx = x + x through the copy gate.
    x = 3.0
    g1, g2 = gates.mul_backward(1.0, x, x)
    assert gates.copy_backward(g1, g2) == 2 * x


def test_max_gate_routes_everything_to_the_larger_input():
    assert gates.max_backward(2.0, 4.0, -1.0) == (2.0, 0.0)
    assert gates.max_backward(2.0, -4.0, 1.0) == (0.0, 2.0)
    gx, gy = gates.max_backward(np.ones(3), np.array([1.0, -1.0, 2.0]), 0.0)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0, 0.0])


def test_affine_gate_is_mul_add_and_copy_and_matches_the_network():
    rng = np.random.RandomState(0)
    net = Network([3, 2], loss="squared_error")
    theta = rng.normal(size=net.n_params)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    (W,), (b,) = net.layout.unpack(theta)
    # Half the squared error, averaged over the 5 rows and the 2 outputs.
    delta = (X @ W + b - Y) / (5 * 2)
    dW, db, _ = gates.affine_backward(delta, X, W)
    _, grad = net.loss_and_gradient(theta, X, Y)
    (gW,), (gb,) = net.layout.unpack(grad)
    np.testing.assert_allclose(gW, dW, rtol=1e-13)
    np.testing.assert_allclose(gb, db, rtol=1e-13)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def test_perceptron_weights_realise_and_and_or_but_not_xor():
    # The lecture's step neuron: a = 1 if w1 x1 + w2 x2 >= threshold.
    def step(w, t):
        return (XOR_X @ w >= t).astype(int)

    np.testing.assert_array_equal(step(np.array([1.0, 1.0]), 1.5), [0, 0, 0, 1])
    np.testing.assert_array_equal(step(np.array([1.0, 1.0]), 0.5), [0, 1, 1, 1])
    grid = np.linspace(-2, 2, 21)
    for w1 in grid:
        for w2 in grid:
            for t in grid:
                assert not np.array_equal(step(np.array([w1, w2]), t), XOR_Y)


def test_a_single_layer_network_cannot_fit_xor():
    # A linear logit on XOR: the log-loss is strictly convex with zero gradient
    # at w = 0, b = 0, so its minimum is log 2 with p = 1/2 on every point: no
    # linear model does better. One hidden layer drives the loss to ~0.
    params = dict(solver="lbfgs", alpha=0.0, max_iter=2000, tol=1e-10, random_state=1)
    linear = FFNClassifier(hidden_layer_sizes=(), **params).fit(XOR_X, XOR_Y)
    assert linear.loss_ == pytest.approx(np.log(2), abs=1e-9)
    np.testing.assert_allclose(linear.predict_proba(XOR_X), 0.5, atol=1e-4)
    hidden = FFNClassifier(hidden_layer_sizes=(4,), activation="tanh", **params)
    hidden.fit(XOR_X, XOR_Y)
    assert hidden.loss_ < 1e-3 * np.log(2)
    assert hidden.score(XOR_X, XOR_Y) == 1.0


@pytest.mark.parametrize("activation", ["tanh", "logistic", "softplus"])
def test_one_hidden_layer_fits_xor(activation):
    clf = FFNClassifier(
        hidden_layer_sizes=(4,), activation=activation, solver="lbfgs",
        alpha=0.0, max_iter=2000, tol=1e-10, random_state=1,
    )  # fmt: skip
    assert clf.fit(XOR_X, XOR_Y).score(XOR_X, XOR_Y) == 1.0
