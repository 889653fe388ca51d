"""
Backpropagation by hand: the lecture's computational graphs
===========================================================

Backpropagation walks a computational graph backwards and applies one rule at
every node: *downstream gradient = upstream gradient x local gradient*. The
lecture's two worked examples (from Stanford's cs231n) are computed here with
the gate rules of :mod:`skffnn.gates` and drawn with their forward values
(green, above each edge) and gradients (red, below). Then the same rules, in
matrix form, are checked on real networks with
:func:`skffnn.utils.check_gradient`.
"""

# %%
# Drawing a graph
# ---------------
# A few lines of matplotlib: a node is a circle with its operation, an edge an
# arrow labelled with the value that flows forward and the gradient that flows
# back.

import matplotlib.pyplot as plt
import numpy as np

from skffnn import functional as F
from skffnn import gates
from skffnn.network import Network
from skffnn.utils import check_gradient


def draw_graph(ax, nodes, edges, title):
    """nodes: {name: (x, y, label)}; edges: [(src, dst, forward, gradient)]."""
    for src, dst, forward, grad in edges:
        (x0, y0, _), (x1, y1, _) = nodes[src], nodes[dst]
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "->", "color": "0.3", "shrinkA": 14,
                        "shrinkB": 14},
        )  # fmt: skip
        # Labels a little nearer the source, so that edges meeting at a node
        # keep their labels apart.
        xm, ym = x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0)
        ax.text(xm, ym + 0.12, f"{forward:g}", color="C2", ha="center", fontsize=10)
        ax.text(xm, ym - 0.22, f"{grad:g}", color="C3", ha="center", fontsize=10)
    for x, y, label in nodes.values():
        ax.scatter([x], [y], s=900, c="white", edgecolors="k", zorder=3)
        ax.text(x, y, label, ha="center", va="center", zorder=4, fontsize=11)
    ax.set_title(title)
    ax.axis("off")
    ax.margins(0.12)


# %%
# ``f(x, y, z) = (x + y) z`` at ``x = -2, y = 5, z = -4``
# -------------------------------------------------------
# Forward: ``q = x + y = 3``, ``f = q z = -12``. Backward from ``df/df = 1``:
# the mul gate *swaps* (``df/dq = z = -4``, ``df/dz = q = 3``), the add gate
# *distributes* (``df/dx = df/dy = -4``).

x, y, z = -2.0, 5.0, -4.0
q = x + y  # add gate
f = q * z  # mul gate
df_dq, df_dz = gates.mul_backward(1.0, q, z)  # swap multiplier
df_dx, df_dy = gates.add_backward(df_dq)  # gradient distributor
graph = {"f": f, "x": df_dx, "y": df_dy, "z": df_dz}
print(f"q = {q:g}, f = {f:g}; df/dx = {df_dx:g}, df/dy = {df_dy:g}, df/dz = {df_dz:g}")

fig, ax = plt.subplots(figsize=(7, 3.5))
draw_graph(
    ax,
    {"x": (0, 2, "x"), "y": (0, 1, "y"), "z": (0, 0, "z"), "+": (1.5, 1.5, "+"),
     "*": (3, 0.75, "*"), "f": (4.5, 0.75, "f")},
    [("x", "+", x, df_dx), ("y", "+", y, df_dy), ("+", "*", q, df_dq),
     ("z", "*", z, df_dz), ("*", "f", f, 1.0)],
    "(x + y) z: forward values (green), gradients df/d(edge) (red)",
)  # fmt: skip
fig.tight_layout()

# %%
# The sigmoid neuron
# ------------------
# ``f(w, x) = sigmoid(w0 x0 + w1 x1 + w2)`` at ``w0 = 2, x0 = -1, w1 = -3,
# x1 = -2, w2 = -3``: the weighted sum is 1, ``f = sigmoid(1) = 0.73``. The
# sigmoid gate's local gradient is ``(1 - 0.73) 0.73 = 0.2``; two add gates
# distribute it, and two mul gates swap it onto the weights and inputs.

w0, x0, w1, x1, w2 = 2.0, -1.0, -3.0, -2.0, -3.0
a, b = w0 * x0, w1 * x1  # two mul gates
c = a + b  # add gate
d = c + w2  # add gate (the bias)
out = float(F.sigmoid(d))  # sigmoid gate
dd = float(gates.sigmoid_backward(1.0, out))  # local gradient (1 - s) s
dc, dw2 = gates.add_backward(dd)
da, db = gates.add_backward(dc)
dw0, dx0 = gates.mul_backward(da, w0, x0)
dw1, dx1 = gates.mul_backward(db, w1, x1)
neuron = {"w0": dw0, "x0": dx0, "w1": dw1, "x1": dx1, "w2": dw2}
print(f"f = {out:.2f}; " + ", ".join(f"df/d{k} = {v:.2f}" for k, v in neuron.items()))

r = lambda v: round(v, 2)  # noqa: E731 (labels with two decimals, as the lecture)
fig, ax = plt.subplots(figsize=(8, 5))
draw_graph(
    ax,
    {"w0": (0, 6, "w0"), "x0": (0, 4.5, "x0"), "w1": (0, 3, "w1"),
     "x1": (0, 1.5, "x1"), "w2": (0, 0, "w2"), "m0": (1.5, 5.25, "*"),
     "m1": (1.5, 2.25, "*"), "s": (3, 3.75, "+"), "b": (4.5, 1.9, "+"),
     "sig": (6, 1.9, "sig"), "f": (7.5, 1.9, "f")},
    [("w0", "m0", w0, r(dw0)), ("x0", "m0", x0, r(dx0)), ("w1", "m1", w1, r(dw1)),
     ("x1", "m1", x1, r(dx1)), ("m0", "s", a, r(da)), ("m1", "s", b, r(db)),
     ("s", "b", c, r(dc)), ("w2", "b", w2, r(dw2)), ("b", "sig", d, r(dd)),
     ("sig", "f", r(out), 1.0)],
    "the sigmoid neuron: forward values (green), gradients (red)",
)  # fmt: skip
fig.tight_layout()

# %%
# The same neuron inside a ``Network``
# ------------------------------------
# One logistic hidden unit read out with weight 1 under the squared error
# ``0.5 (out - y)^2`` with target ``y = out - 1``, so that dLoss/dout = 1 and
# the weight gradients the vectorised backward pass returns are exactly the
# ``df/dw`` above.

net = Network([2, 1, 1], activation="sigmoid", loss="squared_error")
theta = np.zeros(net.n_params)
(W1, W2), (b1, _) = net.layout.unpack(theta)  # views into theta
W1[:, 0] = [w0, w1]
b1[0] = w2
W2[0, 0] = 1.0
Xn = np.array([[x0, x1]])
net_out = net.forward(theta, Xn)[0, 0]
_, grad = net.loss_and_gradient(theta, Xn, np.array([[net_out - 1.0]]))
(gW1, _), (gb1, _) = net.layout.unpack(grad)
network_grads = {"w0": gW1[0, 0], "w1": gW1[1, 0], "w2": gb1[0]}
print("Network: " + ", ".join(f"df/d{k} = {v:.2f}" for k, v in network_grads.items()))

# %%
# ``check_gradient`` on a real network
# ------------------------------------
# Backprop against central finite differences, on a network with three hidden
# layers (tanh, softplus, sigmoid) and every output head, along every
# coordinate and along 10 random directions (cheap for large networks). A
# relative error near ``1e-9`` means the backward pass is right. The last bar
# is a network with a classic slip: the bias gradient averaged over the rows
# instead of summed (the copy gate sums), which the check catches at once.


class BuggyNetwork(Network):
    """The bias gradient divided by the batch size once too often."""

    def loss_and_gradient(self, theta, X, Y, sample_weight=None, **kwargs):
        loss, grad = super().loss_and_gradient(theta, X, Y, sample_weight, **kwargs)
        for gb in self.layout.unpack(grad)[1]:
            gb /= X.shape[0]
        return loss, grad


rng = np.random.RandomState(0)
X = rng.normal(size=(20, 5))
targets = {
    "squared_error": rng.normal(size=(20, 3)),
    "poisson": rng.poisson(2.0, size=(20, 3)).astype(float),
    "binary_log_loss": rng.randint(2, size=(20, 3)).astype(float),
    "log_loss": np.eye(3)[rng.randint(3, size=20)],
}
units, activation = [5, 8, 6, 4, 3], ["tanh", "softplus", "sigmoid"]
errors = {}
for loss, Y in targets.items():
    model = Network(units, activation=activation, loss=loss)
    theta = model.init_params(random_state=0)
    full = check_gradient(model, theta, X, Y, alpha=0.1)
    cheap = check_gradient(
        model, theta, X, Y, alpha=0.1, n_directions=10, random_state=0
    )
    errors[loss] = (full, cheap)
    print(f"{loss:<16} every coordinate {full:.1e}, 10 directions {cheap:.1e}")
buggy = BuggyNetwork(units, activation=activation, loss="squared_error")
bug = check_gradient(
    buggy, buggy.init_params(random_state=0), X, targets["squared_error"]
)
print(f"bias gradient averaged instead of summed: {bug:.2f}")

fig, ax = plt.subplots(figsize=(8, 3.8))
names = [*errors, "buggy bias\ngradient"]
positions = np.arange(len(names))
ax.bar(
    positions[:-1] - 0.2, [e[0] for e in errors.values()], 0.4, label="every coordinate"
)
ax.bar(
    positions[:-1] + 0.2, [e[1] for e in errors.values()], 0.4, label="10 directions"
)
ax.bar(positions[-1], bug, 0.4, color="C3", label="the bug")
ax.axhline(1e-6, color="k", ls=":", lw=1)
ax.set_xticks(positions, names)
ax.set(
    yscale="log",
    ylabel="relative error",
    title="check_gradient: backprop vs finite differences",
)
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
