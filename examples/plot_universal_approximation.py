"""
Universal approximation: one hidden layer, wider and wider
==========================================================

The universal approximation theorem (Cybenko 1989; Hornik, Stinchcombe and
White 1989) says that sums ``F(x) = sum_i v_i sigmoid(w_i x + b_i) + c`` (a
network with one hidden layer of sigmoid units and a linear output) approximate
any continuous function on ``[0, 1]`` as closely as we like, given enough
units.

Here the target is ``f(x) = sin(2 pi x) + x^2 + 0.3 sin(8 pi x)`` and the width
grows through 1, 2, 4, 8, 16, 32. Two ways to choose the weights:

* *construction* (the idea of the proof): with a very steep sigmoid each unit
  is a step; ``n`` steps make a staircase through ``f``, with an error of
  about ``max|f'| / (2 (n + 1))``. The weights are written straight into a
  :class:`skffnn.network.Network`.
* *training*: :class:`skffnn.FFNRegressor` with ``activation="logistic"`` and
  ``solver="lbfgs"`` on 200 samples, best of three seeds.

The theorem promises that good weights exist, not that a solver finds them.
"""

# %%
# The target and the two kinds of network
# ---------------------------------------

import matplotlib.pyplot as plt
import numpy as np

from skffnn import FFNRegressor
from skffnn.network import Network

WIDTHS = (1, 2, 4, 8, 16, 32)


def target(x):
    return np.sin(2 * np.pi * x) + x**2 + 0.3 * np.sin(8 * np.pi * x)


X_TRAIN = np.linspace(0.0, 1.0, 200)[:, None]
X_TEST = np.linspace(0.0, 1.0, 2001)[:, None]


def max_error(prediction):
    return float(np.abs(prediction.ravel() - target(X_TEST[:, 0])).max())


def staircase(n, steepness=20.0):
    """A width-``n`` sigmoid network built by hand: ``n`` smoothed steps through f."""
    net = Network([1, n, 1], activation="sigmoid", loss="squared_error")
    theta = np.zeros(net.n_params)
    (W1, W2), (b1, b2) = net.layout.unpack(theta)  # views into theta
    h = 1.0 / (n + 1)  # n steps split [0, 1] into n + 1 cells of width h
    steps = h * np.arange(1, n + 1)
    centres = h * (np.arange(n + 1) + 0.5)
    W1[0, :] = steepness / h  # unit i: sigmoid(k (x - t_i)), 20 / h steep
    b1[:] = -(steepness / h) * steps
    W2[:, 0] = np.diff(target(centres))  # each step climbs to the next cell
    b2[0] = target(centres[0])
    return net.forward(theta, X_TEST).ravel()


def trained(n, seeds=(0, 1, 2)):
    """The best of a few initialisations of a trained width-``n`` network."""
    best = None
    for seed in seeds:
        reg = FFNRegressor(
            hidden_layer_sizes=(n,), activation="logistic", solver="lbfgs",
            alpha=0.0, max_iter=5000, tol=1e-12, random_state=seed,
        )  # fmt: skip
        prediction = reg.fit(X_TRAIN, target(X_TRAIN[:, 0])).predict(X_TEST)
        if best is None or max_error(prediction) < max_error(best):
            best = prediction
    return best


curves = {n: (staircase(n), trained(n)) for n in WIDTHS}
results = {n: (max_error(s), max_error(t)) for n, (s, t) in curves.items()}

# %%
# The fits
# --------
# Each panel shows the target (grey), the hand-built staircase and the trained
# network of one width.

fig, axes = plt.subplots(2, 3, figsize=(8, 5.5), sharex=True, sharey=True)
for ax, n in zip(axes.ravel(), WIDTHS):
    stairs, fit = curves[n]
    ax.plot(X_TEST, target(X_TEST), color="0.6", lw=3, label="f(x)")
    ax.plot(X_TEST, stairs, "C1", lw=1, label="staircase")
    ax.plot(X_TEST, fit, "C0", lw=1.5, label="trained")
    ax.set_title(f"width {n} ({3 * n + 1} parameters)")
axes[0, 0].legend(fontsize="small")
for ax in axes[1]:
    ax.set_xlabel("x")
fig.tight_layout()

# %%
# Error against width
# -------------------
# The staircase's error is bounded by about ``max|f'| / (2 (n + 1))`` (the
# dotted line), a bound that only bites once the steps are finer than the
# wiggles of ``f`` (a period of 1/4): at widths 2 and 4 the steps are too
# coarse for them, and the error does not shrink (it grows a little from
# width 2 to 4); from width 8 on it follows the bound, roughly halving with
# every doubling. Training places and shapes the sigmoids far better, so the
# same width reaches a much smaller error; but not along a law: past a few
# hundredths the limit is the optimiser (L-BFGS-B stops when an iteration
# gains less than about ``2e-9``), not the width.

print(f"{'width':>6}{'parameters':>12}{'staircase':>12}{'trained':>12}")
for n, (s, t) in results.items():
    print(f"{n:>6}{3 * n + 1:>12}{s:>12.3g}{t:>12.3g}")
widths = np.array(WIDTHS)
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(widths, [results[n][0] for n in WIDTHS], "o-", color="C1", label="staircase")
ax.loglog(widths, [results[n][1] for n in WIDTHS], "o-", color="C0", label="trained")
slope = np.abs(np.gradient(target(X_TEST[:, 0]), X_TEST[:, 0])).max()
ax.loglog(widths, slope / (2 * (widths + 1)), "k:", label="max|f'| / (2 (n + 1))")
ax.set(xlabel="hidden units n", ylabel="max |F(x) - f(x)|", title="error against width")
ax.legend()
fig.tight_layout()
plt.show()
