"""
Logic gates: AND and OR with one neuron, XOR with a hidden layer
================================================================

The lecture's exercise. Rosenblatt's perceptron is a single neuron with a step
activation, ``a = 1 if w1 x1 + w2 x2 >= t else 0``: it splits the plane along
the line ``w1 x1 + w2 x2 = t``. Hand-picked weights make it AND
(``w = (1, 1), t = 1.5``) and OR (``w = (1, 1), t = 0.5``). XOR is not
*linearly separable*: (0, 1) and (1, 0) must lie on one side of the line and
(0, 0) and (1, 1) on the other, which is impossible (adding the first two
inequalities contradicts adding the last two).

The lesson: a single layer is very limited; chain neurons into layers, and one
hidden layer realises XOR.
"""

# %%
# A perceptron for AND and for OR
# -------------------------------
# The decision region of the step neuron: shaded where it outputs 1. The
# dashed line is ``w1 x1 + w2 x2 = t``.

import matplotlib.pyplot as plt
import numpy as np

from skffnn import FFNClassifier

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}
HAND_PICKED = {"AND": ((1.0, 1.0), 1.5), "OR": ((1.0, 1.0), 0.5)}


def perceptron(w, t, X=X):
    """Rosenblatt's step neuron: 1 where ``X @ w >= t``, else 0."""
    return (X @ np.asarray(w) >= t).astype(int)


grid = np.linspace(-0.5, 1.5, 201)
G1, G2 = np.meshgrid(grid, grid)
GRID = np.column_stack([G1.ravel(), G2.ravel()])


def draw_points(ax, y, title):
    ax.scatter(*X[y == 0].T, s=120, c="white", edgecolors="k", label="0", zorder=3)
    ax.scatter(*X[y == 1].T, s=120, c="k", label="1", zorder=3)
    ax.set(title=title, xlabel="x1", ylabel="x2", aspect="equal")
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)


fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, (name, (w, t)) in zip(axes, HAND_PICKED.items()):
    out = perceptron(w, t)
    print(f"{name}: w = {w}, t = {t}: outputs {out.tolist()}")
    region = perceptron(w, t, GRID).reshape(G1.shape)
    ax.contourf(G1, G2, region, levels=[-0.5, 0.5, 1.5], colors=["0.95", "C0"])
    ax.plot(grid, (t - w[0] * grid) / w[1], "k--", lw=1)
    draw_points(ax, TARGETS[name], f"{name}: w = {w}, t = {t}")
fig.tight_layout()

# %%
# No line for XOR
# ---------------
# A brute-force search over a grid of weights and thresholds in [-2, 2] finds
# many perceptrons for AND and for OR, and none for XOR.

steps = np.linspace(-2.0, 2.0, 41)
w1, w2, t = (g.ravel() for g in np.meshgrid(steps, steps, steps))
outputs = (X @ np.stack([w1, w2]) >= t).astype(int)  # (4, n_triples)
counts = {
    name: int(np.all(outputs == target[:, None], axis=0).sum())
    for name, target in TARGETS.items()
}
print(f"Of {t.size} weight/threshold triples: {counts}")

fig, ax = plt.subplots(figsize=(5, 3))
bars = ax.bar(list(counts), list(counts.values()), color=["C0", "C0", "C3"])
ax.bar_label(bars)
ax.set(ylabel="perceptrons found", title=f"{t.size} triples (w1, w2, t) searched")
fig.tight_layout()

# %%
# One hidden layer does it
# ------------------------
# A network without a hidden layer (``hidden_layer_sizes=()``: logistic
# regression) still draws one line, and the best the log-loss can do on XOR is
# ``P(y=1) = 0.5`` everywhere. One hidden layer of four tanh units bends the
# boundary and fits all four points.

y = TARGETS["XOR"]
models = {
    "no hidden layer": FFNClassifier(
        hidden_layer_sizes=(), solver="lbfgs", random_state=0
    ),
    "one hidden layer (4 tanh)": FFNClassifier(
        hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", alpha=0.0,
        max_iter=2000, tol=1e-10, random_state=1,
    ),
}  # fmt: skip
scores = {}
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), layout="constrained")
for ax, (name, clf) in zip(axes, models.items()):
    clf.fit(X, y)
    scores[name] = clf.score(X, y)
    proba = clf.predict_proba(GRID)[:, 1].reshape(G1.shape)
    print(f"{name}: predicts {clf.predict(X).tolist()}, accuracy {scores[name]}")
    mesh = ax.contourf(G1, G2, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    ax.contour(G1, G2, proba, levels=[0.5], colors="k", linewidths=1)
    draw_points(ax, y, f"XOR, {name}\naccuracy {scores[name]:.2f}")
fig.colorbar(mesh, ax=axes, label="P(y = 1)", shrink=0.8)
plt.show()
