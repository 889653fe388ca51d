"""
Activation functions and their derivatives
==========================================

The lecture asks three things of an activation: it should be non-linear,
differentiable (almost everywhere), and cheap and numerically stable to compute.
Modern neurons descend from Rosenblatt's perceptron, whose activation was a
*step*, ``a = 1 if z >= 0.5 else 0``: its derivative is 0 everywhere it exists,
so gradient descent gets no signal from it. Its smooth descendants, the five
activations skffnn offers (``identity``, ``sigmoid`` alias ``logistic``,
``tanh``, ``relu``, ``softplus``, all in :mod:`skffnn.functional`), have useful
derivatives; but the sigmoid's and tanh's vanish for large ``|z|``.
"""

# %%
# The functions and their derivatives
# ------------------------------------
# Each activation next to its derivative, computed by :mod:`skffnn.functional`
# (the same functions the network's gates use). Rosenblatt's step is drawn
# too: its derivative is 0 except at the jump, where it does not exist.

import matplotlib.pyplot as plt
import numpy as np

from skffnn import functional as F
from skffnn.network import Network


def step(z):
    """Rosenblatt's perceptron: 1 where ``z >= 0.5``, else 0."""
    return (np.asarray(z) >= 0.5).astype(float)


ACTIVATIONS = {
    "step (Rosenblatt)": (step, lambda z: np.zeros_like(z)),
    "identity": (F.identity, F.identity_grad),
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "relu": (F.relu, F.relu_grad),
    "softplus": (F.softplus, F.softplus_grad),
}

z = np.linspace(-5.0, 5.0, 1001)
fig, (ax_f, ax_df) = plt.subplots(1, 2, figsize=(8, 3.8), sharex=True)
for name, (f, df) in ACTIVATIONS.items():
    style = {"ls": "--", "color": "0.4"} if name.startswith("step") else {}
    ax_f.plot(z, f(z), label=name, **style)
    ax_df.plot(z, df(z), label=name, **style)
ax_f.set(title="activation f(z)", xlabel="z", ylim=(-1.5, 3.0))
ax_df.set(title="derivative f'(z)", xlabel="z", ylim=(-0.1, 1.2))
ax_f.legend(loc="upper left", fontsize="small")
# One colour per function in every figure below; "logistic" is the sigmoid.
COLORS = {line.get_label(): line.get_color() for line in ax_f.get_lines()}
COLORS["logistic"] = COLORS["sigmoid"]
for ax in (ax_f, ax_df):
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
fig.tight_layout()

# %%
# Ranges
# ------
# The sigmoid maps to (0, 1), tanh to (-1, 1) and is zero-centred, ReLU and
# softplus to [0, inf) and (0, inf). Their derivatives are bounded by 1/4
# (sigmoid, at 0), 1 (tanh, at 0), and 1 (ReLU for z > 0; softplus, whose
# derivative is the sigmoid, as z grows).

wide = np.linspace(-50.0, 50.0, 100001)
ranges = {}
print(f"{'activation':<20}{'min f':>10}{'max f':>10}{'max df':>10}")
for name, (f, df) in ACTIVATIONS.items():
    values, slopes = f(wide), df(wide)
    ranges[name] = (values.min(), values.max(), slopes.max())
    print(f"{name:<20}{values.min():>10.3g}{values.max():>10.3g}{slopes.max():>10.3g}")

# %%
# Where gradients vanish
# ----------------------
# Backpropagation multiplies one local gradient per layer. Where the sigmoid's
# or tanh's derivative is below 1 % (shaded), a unit passes back almost
# nothing: the unit is *saturated*. ReLU's derivative is exactly 1 wherever the
# unit is on, which is why the lecture says "when unsure, use ReLU".

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
zz = np.linspace(-10.0, 10.0, 2001)
lines = {}
for name in ("sigmoid", "tanh", "relu", "softplus"):
    _, df = ACTIVATIONS[name]
    (lines[name],) = ax.semilogy(
        zz, np.maximum(df(zz), 1e-12), label=name, color=COLORS[name]
    )
ax.axhline(1e-2, color="k", lw=0.8, ls=":")
for name in ("sigmoid", "tanh"):
    saturated = ACTIVATIONS[name][1](zz) < 1e-2
    # Each function's saturation in its own curve's colour ("_": no legend entry).
    color = lines[name].get_color()
    ax.fill_between(
        zz, 1e-12, 10, where=saturated, color=color, alpha=0.12, label=f"_{name}"
    )
    edge = zz[~saturated].max()
    print(f"{name}' < 1e-2 for |z| > {edge:.2f}")
ax.set(xlabel="z", ylabel="f'(z)", ylim=(1e-5, 2), title="derivatives, log scale")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")

# %%
# Vanishing gradients in a deep network
# -------------------------------------
# The norm of the gradient of every weight matrix of a network with 10 hidden
# layers of 32 units, at its initial weights (Glorot-uniform, as the
# estimators draw them), computed by :class:`skffnn.network.Network`'s
# backward pass. In the sigmoid network the first layer receives a tiny
# fraction of what the last one does: it would barely move under gradient
# descent.


def layer_gradient_norms(activation, n_layers=10, width=32, seed=0):
    """Norm of dLoss/dW(l) for every layer l = 1..n_layers+1 at initialisation."""
    rng = np.random.RandomState(seed)
    X, Y = rng.normal(size=(200, 10)), rng.normal(size=(200, 1))
    net = Network([10] + [width] * n_layers + [1], activation=activation)
    theta = net.init_params(random_state=seed)
    _, grad = net.loss_and_gradient(theta, X, Y)
    grad_W, _ = net.layout.unpack(grad)
    return np.array([np.linalg.norm(g) for g in grad_W])


grad_norms = {act: layer_gradient_norms(act) for act in ("logistic", "tanh", "relu")}
fig, ax = plt.subplots(figsize=(7, 3.5))
for act, norms in grad_norms.items():
    ax.semilogy(np.arange(1, norms.size + 1), norms, "o-", label=act, color=COLORS[act])
    print(f"{act:<9} first layer / last layer = {norms[0] / norms[-1]:.1e}")
ax.set(
    xlabel="layer l (1 = next to the input)",
    ylabel="||dLoss/dW(l)||",
    title="gradient per layer, 10 hidden layers of 32 units",
)
ax.legend()
fig.tight_layout()
plt.show()
