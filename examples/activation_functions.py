"""Activation functions: shapes, derivatives, saturation and numerical stability.

The lecture asks three things of an activation: it should be non-linear,
differentiable (almost everywhere), and cheap and numerically stable to compute.
This example prints, for the five activations skffnn offers (``identity``,
``sigmoid``/``logistic``, ``tanh``, ``relu``, ``softplus``):

1. their values and derivatives at a few points, from :mod:`skffnn.functional`;
2. *saturation*: for large ``|x|`` the sigmoid's and tanh's derivatives are
   almost 0, and the sigmoid's is never above 1/4. Backprop multiplies one such
   local gradient per layer, so in a deep sigmoid network the gradient reaching
   the first layers *vanishes*. The gradient norm of every layer of a 10-layer
   network (computed by :class:`skffnn.network.Network`) shows it; ReLU's
   derivative is 1 wherever the unit is on, which is why the lecture says "when
   unsure, use ReLU";
3. *stability*: ``log(1 + exp(x))`` and ``log(sigmoid(x))`` written naively
   overflow at ``x = 800`` (``exp(800)`` is ``inf``) or return ``-inf`` at
   ``x = -800``; :func:`skffnn.functional.softplus` and
   :func:`skffnn.functional.log_sigmoid` evaluate the same functions from
   ``exp(-|x|)``, which cannot overflow, and return the exact ``800`` and
   ``-800``.

Run: python examples/activation_functions.py
"""

import warnings

import numpy as np

from skffnn import functional as F
from skffnn.network import Network

ACTIVATIONS = {
    "identity": (F.identity, F.identity_grad),
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "relu": (F.relu, F.relu_grad),
    "softplus": (F.softplus, F.softplus_grad),
}
POINTS = np.array([-10.0, -2.0, 0.0, 2.0, 10.0])


def value_table():
    """``{name: (f(POINTS), f'(POINTS))}``, printed as two tables."""
    table = {name: (f(POINTS), df(POINTS)) for name, (f, df) in ACTIVATIONS.items()}
    header = "".join(f"{x:>11g}" for x in POINTS)
    for title, col in (("f(x)", 0), ("f'(x)", 1)):
        print(f"{title:<10}{header}")
        for name, rows in table.items():
            print(f"{name:<10}" + "".join(f"{v:>11.4g}" for v in rows[col]))
        print()
    return table


def layer_gradient_norms(activation, n_layers=10, width=32, seed=0):
    """Norm of dLoss/dW(l) for every layer l = 1..n_layers+1 at initialisation."""
    rng = np.random.RandomState(seed)
    X, Y = rng.normal(size=(200, 10)), rng.normal(size=(200, 1))
    net = Network([10] + [width] * n_layers + [1], activation=activation)
    theta = net.init_params(random_state=seed)
    _, grad = net.loss_and_gradient(theta, X, Y)
    grad_W, _ = net.layout.unpack(grad)
    return np.array([np.linalg.norm(g) for g in grad_W])


def vanishing_gradients():
    print("Saturation: the sigmoid's derivative is at most", F.sigmoid_grad(0.0))
    print(f"  and sigmoid'(10) = {F.sigmoid_grad(10.0):.1e}, ", end="")
    print(f"tanh'(10) = {F.tanh_grad(10.0):.1e}, relu'(10) = {F.relu_grad(10.0)}")
    print("\nGradient norm per weight matrix of a 10-hidden-layer network (width 32),")
    print("first layer ... last layer, at the initial weights:")
    norms = {}
    for act in ("logistic", "tanh", "relu", "softplus"):
        norms[act] = n = layer_gradient_norms(act)
        print(f"  {act:<9}" + " ".join(f"{v:7.1e}" for v in n))
        print(f"  {'':<9}first / last = {n[0] / n[-1]:.1e}")
    ratio = norms["logistic"][0] / norms["logistic"][-1]
    print(f"The sigmoid network's first layer gets {ratio:.0e} of its last layer's")
    print("gradient: it would barely move under gradient descent (vanishing")
    print("gradients): in every layer the sigmoid's local gradient is at most 1/4.")
    print("softplus, whose derivative is the sigmoid (1/2 at 0), lies in between.\n")
    return norms


def naive_softplus(x):
    return np.log(1.0 + np.exp(x))


def naive_log_sigmoid(x):
    return np.log(1.0 / (1.0 + np.exp(-x)))


def stability():
    x = np.array([-800.0, 800.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        naive = {
            "log(1 + exp(x))": naive_softplus(x),
            "log(1 / (1 + exp(-x)))": naive_log_sigmoid(x),
        }
    stable = {"F.softplus(x)": F.softplus(x), "F.log_sigmoid(x)": F.log_sigmoid(x)}
    print("Stability at x = -800 and x = 800. Exact: softplus = 3.7e-348 (rounds to")
    print("0) and 800; log_sigmoid = -800 and -3.7e-348 (rounds to 0).")
    for name, v in {**naive, **stable}.items():
        print(f"  {name:<24}{v[0]:>12g}{v[1]:>12g}")
    print("NumPy warned while evaluating the naive formulas:")
    for w in caught:
        print(f"  {w.category.__name__}: {w.message}")
    return naive, stable


def main():
    table = value_table()
    norms = vanishing_gradients()
    naive, stable = stability()
    return {"table": table, "grad_norms": norms, "naive": naive, "stable": stable}


if __name__ == "__main__":
    main()
