"""Backpropagation by hand: the lecture's computational graphs, gate by gate.

Backpropagation walks a computational graph backwards and applies one rule at
every node: *downstream gradient = upstream gradient x local gradient*. The
lecture's two worked examples (from Stanford's cs231n) are computed here with
the gate rules of :mod:`skffnn.gates`:

1. ``f(x, y, z) = (x + y) z`` at ``x = -2, y = 5, z = -4``: the add gate
   distributes ``df/dq = z = -4`` to both ``x`` and ``y``; the mul gate swaps,
   ``df/dz = q = 3``.
2. The sigmoid neuron ``f = sigmoid(w0 x0 + w1 x1 + w2)`` at ``w0 = 2, x0 = -1,
   w1 = -3, x1 = -2, w2 = -3``: output 0.73, and the sigmoid gate's local
   gradient ``(1 - 0.73) 0.73 = 0.2`` flows back through two add gates and two
   mul gates to give ``w0: -0.20, x0: 0.39, w1: -0.39, x1: -0.59, w2: 0.20``.

Then the same neuron is built as a :class:`skffnn.network.Network` (one
logistic hidden unit, read out with weight 1) whose vectorised backward pass
returns the same weight gradients; and :func:`skffnn.utils.check_gradient`
compares backprop with finite differences on a bigger network, for every output
head, and on a network with a deliberate bug in its backward pass: the check the
lecture has in mind when it calls backprop a debugging aid.

Run: python examples/backprop_by_hand.py
"""

import numpy as np

from skffnn import functional as F
from skffnn import gates
from skffnn.network import Network
from skffnn.utils import check_gradient


def add_mul_graph(x=-2.0, y=5.0, z=-4.0):
    q = x + y  # add gate
    f = q * z  # mul gate
    df_dq, df_dz = gates.mul_backward(1.0, q, z)  # swap multiplier
    df_dx, df_dy = gates.add_backward(df_dq)  # gradient distributor
    print("f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4")
    print(f"  forward:  q = x + y = {q:g},  f = q z = {f:g}")
    print(f"  backward: df/dz = q = {df_dz:g},  df/dq = z = {df_dq:g},  ", end="")
    print(f"df/dx = {df_dx:g},  df/dy = {df_dy:g}")
    return {"f": f, "x": df_dx, "y": df_dy, "z": df_dz}


def sigmoid_neuron(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0):
    """Forward then backward through the lecture's graph, one gate at a time."""
    a, b = w0 * x0, w1 * x1  # two mul gates
    c = a + b  # add gate
    d = c + w2  # add gate (the bias)
    out = float(F.sigmoid(d))  # sigmoid gate
    dd = float(gates.sigmoid_backward(1.0, out))  # local gradient (1 - s) s
    dc, dw2 = gates.add_backward(dd)
    da, db = gates.add_backward(dc)
    dw0, dx0 = gates.mul_backward(da, w0, x0)
    dw1, dx1 = gates.mul_backward(db, w1, x1)
    grads = {"w0": dw0, "x0": dx0, "w1": dw1, "x1": dx1, "w2": dw2}
    print("\nSigmoid neuron f = sigmoid(w0 x0 + w1 x1 + w2)")
    print(f"  forward:  w0 x0 = {a:g}, w1 x1 = {b:g}, sum = {c:g}, + w2 = {d:g}")
    print(f"            f = sigmoid({d:g}) = {out:.2f}")
    print(f"  sigmoid gate local gradient (1 - f) f = {dd:.2f}")
    print("  backward: " + ", ".join(f"df/d{k} = {v:.2f}" for k, v in grads.items()))
    return out, grads


def neuron_as_network(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0):
    """The same neuron inside Network: weights and bias set through the layout.

    One logistic hidden unit h, output ``z = 1 * h + 0`` under the squared error
    ``0.5 (z - y)^2`` with target ``y = h - 1``, so dLoss/dz = 1 and the weight
    gradient backprop returns is exactly df/dw.
    """
    net = Network([2, 1, 1], activation="sigmoid", loss="squared_error")
    theta = np.zeros(net.n_params)
    (W1, W2), (b1, _) = net.layout.unpack(theta)  # views into theta
    W1[:, 0] = [w0, w1]
    b1[0] = w2
    W2[0, 0] = 1.0
    X = np.array([[x0, x1]])
    out = net.forward(theta, X)[0, 0]
    _, grad = net.loss_and_gradient(theta, X, np.array([[out - 1.0]]))
    (gW1, _), (gb1, _) = net.layout.unpack(grad)
    grads = {"w0": gW1[0, 0], "w1": gW1[1, 0], "w2": gb1[0]}
    print("\nThe same neuron as Network([2, 1, 1], activation='sigmoid'):")
    print(f"  forward: {out:.2f}; backward: ", end="")
    print(", ".join(f"df/d{k} = {v:.2f}" for k, v in grads.items()))
    return out, grads


def gradient_checks(seed=0):
    """check_gradient on a 3-hidden-layer network for every output head."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(20, 5))
    n_out = 3
    targets = {
        "squared_error": rng.normal(size=(20, n_out)),
        "poisson": rng.poisson(2.0, size=(20, n_out)).astype(float),
        "binary_log_loss": rng.randint(2, size=(20, n_out)).astype(float),
        "log_loss": np.eye(n_out)[rng.randint(n_out, size=20)],
    }
    units = [5, 8, 6, 4, n_out]
    activation = ["tanh", "softplus", "sigmoid"]
    print(f"\ncheck_gradient on Network({units}, activation={activation}),")
    print("20 samples, alpha=0.1 (relative error; below ~1e-6 means correct):")
    print(f"  {'loss':<18}{'every coordinate':>18}{'10 random directions':>22}")
    errors = {}
    for loss, Y in targets.items():
        net = Network(units, activation=activation, loss=loss)
        theta = net.init_params(random_state=seed)
        full = check_gradient(net, theta, X, Y, alpha=0.1)
        cheap = check_gradient(
            net, theta, X, Y, alpha=0.1, n_directions=10, random_state=seed
        )
        errors[loss] = (full, cheap)
        print(f"  {loss:<18}{full:>18.1e}{cheap:>22.1e}")
    print(f"  ({net.n_params} parameters: one finite difference pair each, or 10.)")
    return errors


class BuggyNetwork(Network):
    """A classic slip: normalising the bias gradient by the batch size twice.

    The seed gradient already carries the 1 / n of the mean loss; the copy gate
    then *sums* delta over the rows. Averaging instead divides by n once more.
    """

    def loss_and_gradient(self, theta, X, Y, sample_weight=None, **kwargs):
        loss, grad = super().loss_and_gradient(theta, X, Y, sample_weight, **kwargs)
        for gb in self.layout.unpack(grad)[1]:
            gb /= X.shape[0]
        return loss, grad


def catch_a_bug(seed=0):
    rng = np.random.RandomState(seed)
    X, Y = rng.normal(size=(20, 5)), rng.normal(size=(20, 2))
    net = BuggyNetwork([5, 8, 2], activation="tanh")
    error = check_gradient(net, net.init_params(random_state=seed), X, Y)
    print(f"\nA bias gradient averaged over rows instead of summed: error {error:.2f}")
    return error


def main():
    graph = add_mul_graph()
    out, grads = sigmoid_neuron()
    net_out, net_grads = neuron_as_network()
    errors = gradient_checks()
    bug = catch_a_bug()
    return {
        "graph": graph,
        "neuron": (out, grads),
        "network": (net_out, net_grads),
        "check_gradient": errors,
        "buggy": bug,
    }


if __name__ == "__main__":
    main()
