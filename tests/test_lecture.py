"""The lecture's worked examples, as readable tests (cs231n's computational graphs)."""

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


def test_sigmoid_neuron_outputs_073_with_the_lectures_gradients():
    out, grads = _sigmoid_neuron_by_gates(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    assert round(out, 2) == 0.73
    rounded = {k: round(v, 2) for k, v in grads.items()}
    assert rounded == dict(w0=-0.20, x0=0.39, w1=-0.39, x1=-0.59, w2=0.20)


def test_sigmoid_gate_local_gradient_is_one_minus_s_times_s():
    s = 0.73
    assert round(float(gates.sigmoid_backward(1.0, s)), 2) == round((1 - s) * s, 2)


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
    delta = (X @ W + b - Y) / 5
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
    clf = FFNClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    assert clf.fit(XOR_X, XOR_Y).score(XOR_X, XOR_Y) <= 0.75


@pytest.mark.parametrize("activation", ["tanh", "logistic", "softplus"])
def test_one_hidden_layer_fits_xor(activation):
    clf = FFNClassifier(
        hidden_layer_sizes=(4,), activation=activation, solver="lbfgs",
        alpha=0.0, max_iter=2000, tol=1e-10, random_state=1,
    )  # fmt: skip
    assert clf.fit(XOR_X, XOR_Y).score(XOR_X, XOR_Y) == 1.0
