"""
Solvers: SGD, Adam and L-BFGS on the same problems
==================================================

Training is gradient descent on the loss, ``theta <- theta - eta dL/dtheta``;
the solvers differ in how they use the gradient. skffnn has scikit-learn's
three, with its update rules:

* ``"sgd"``: minibatch gradient descent, with a learning-rate schedule
  (``"constant"``, ``"invscaling"``: ``eta_t = eta_0 / t^power_t``,
  ``"adaptive"``: divide by 5 when the loss stops improving) and momentum
  (classical, or Nesterov's, which evaluates the step at the look-ahead point);
* ``"adam"``: per-parameter step sizes from running moments of the gradient;
* ``"lbfgs"``: a quasi-Newton method on the full batch (scipy's L-BFGS-B).

Here every solver trains the same network from the same initial weights
(``random_state=0``) on a classification and a regression problem, and the
training loss is plotted per epoch (per iteration for L-BFGS).
"""

# %%
# The problems and the settings
# -----------------------------
# Digits (1797 images of 8 x 8 pixels, 10 classes) and diabetes (442 patients,
# 10 features, a real target), both shipped with scikit-learn and
# standardised; one hidden layer of 64 ReLU units.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, FFNRegressor

X_digits, y_digits = load_digits(return_X_y=True)
X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
PROBLEMS = {
    "digits (classification, log-loss)": (
        FFNClassifier,
        StandardScaler().fit_transform(X_digits),
        y_digits,
    ),
    "diabetes (regression, squared error)": (
        FFNRegressor,
        StandardScaler().fit_transform(X_diabetes),
        (y_diabetes - y_diabetes.mean()) / y_diabetes.std(),
    ),
}
SGD = {"solver": "sgd", "learning_rate_init": 0.05}
SOLVERS = {
    "sgd, constant, no momentum": {**SGD, "momentum": 0.0},
    "sgd, constant, momentum": {**SGD, "nesterovs_momentum": False},
    "sgd, constant, Nesterov": {**SGD, "nesterovs_momentum": True},
    "sgd, invscaling, Nesterov": {
        **SGD,
        "learning_rate": "invscaling",
        "power_t": 0.25,
    },
    # adaptive: a bolder start, divided by 5 after 3 epochs gaining < 1e-3
    "sgd, adaptive, Nesterov": {
        **SGD,
        "learning_rate": "adaptive",
        "learning_rate_init": 0.2,
        "tol": 1e-3,
        "n_iter_no_change": 3,
    },
    "adam": {"solver": "adam", "learning_rate_init": 0.001},
    "lbfgs": {"solver": "lbfgs"},
}
EPOCHS = 60

# %%
# Training
# --------
# The same architecture, seed and number of passes for every solver. Each fit
# runs to ``EPOCHS`` epochs (``tol=0`` and a large ``n_iter_no_change`` keep
# the stochastic solvers from stopping early), so the curves are comparable;
# only the adaptive schedule gets a ``tol``, which is what it adapts to.

curves = {}
for problem, (Estimator, X, y) in PROBLEMS.items():
    for name, params in SOLVERS.items():
        settings = {"max_iter": EPOCHS, "tol": 0.0, "n_iter_no_change": EPOCHS}
        model = Estimator(
            hidden_layer_sizes=(64,), random_state=0, **{**settings, **params}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        curves[problem, name] = np.asarray(model.loss_curve_)

print(f"{'solver':<28}" + "".join(f"{p.split()[0]:>12}" for p in PROBLEMS))
for name in SOLVERS:
    finals = [curves[p, name][-1] for p in PROBLEMS]
    print(f"{name:<28}" + "".join(f"{v:>12.4f}" for v in finals))

# %%
# Loss curves
# -----------
# On these small problems L-BFGS, which sees the whole batch and a curvature
# model, reaches the lowest loss in the fewest iterations: the right choice
# for small data sets. On digits, momentum takes plain SGD to a loss many
# times lower (on diabetes, only somewhat lower), Nesterov's variant about the
# same; the adaptive schedule, starting bolder and dividing its step whenever
# the loss stalls, gets further still; ``invscaling``'s shrinking step ends
# level with plain SGD on diabetes and above it on digits. Adam with its
# default step of 0.001 is cautious and steady, and the one that needs the
# least tuning on large data, which is why it is the default.

# One colour per solver (the SGD variants in blues and greens, Adam red,
# L-BFGS black and thick), one legend for both panels, beside them: inside,
# it would hide the curves.
COLORS = ["#9ecae1", "#4292c6", "#08519c", "#74c476", "#238b45", "C3", "k"]
fig, axes = plt.subplots(2, 1, figsize=(7.5, 7.5), layout="constrained")
for ax, problem in zip(axes, PROBLEMS):
    for name, color in zip(SOLVERS, COLORS):
        curve = curves[problem, name]
        lw = 2 if name in ("adam", "lbfgs") else 1.3
        ax.plot(np.arange(1, curve.size + 1), curve, label=name, color=color, lw=lw)
    ax.set(yscale="log", ylabel="training loss")
    ax.set_title(problem)
axes[-1].set_xlabel("epoch (L-BFGS: iteration)")
fig.legend(
    *axes[0].get_legend_handles_labels(),
    loc="outside lower center",
    ncol=3,
    fontsize="small",
)
plt.show()
